import {
  ConfigError,
  MULAW_8K,
  PCM16_16K,
  ProviderError,
  createSTT,
  type Transcript,
} from '@patter/core';
import {
  FakeWebSocketServer,
  type FakeWebSocketConnection,
  until,
  collectAll,
  captureLogger,
} from '@patter/testing';
import { describeSTTConformance, describeWebSocketSTTBehaviour } from '@patter/testing/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import * as assemblyai from './index.js';
import { AssemblyAISTT } from './index.js';

// ---------------------------------------------------------------------------------------------
// A loopback AssemblyAI v3 `/v3/ws`, as strict as the real one (protocols/stt/assemblyai.md):
// bare `Authorization: <key>` else close 1008; sample_rate/encoding/speech_model checked;
// `Begin` first; every audio message must hold 50–1000 ms else `Error` 3007 + close 3007; text
// frames must be UpdateConfiguration / ForceEndpoint / Terminate else close 3006; Terminate →
// Termination + close 1000. Audio carries "words" (each 20 ms frame filled with a word index).
// ---------------------------------------------------------------------------------------------
const KEY = 'test-key';
const SESSION = 'cfd280c7-5a9b-4dd6-8c05-235ccfa3c97f';
const WORDS = ['', 'hello', 'there', 'general', 'kenobi'];

interface FakeOptions {
  status?: number;
  /** Scripted vendor messages sent after the n-th audio message (1-based). */
  script?: (conn: FakeWebSocketConnection, audioMessages: number, connIndex: number) => void;
  /** Turn messages as words arrive (default true; off for fixture replays). */
  live?: boolean;
}

const servers: FakeWebSocketServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function fakeAssemblyAI(options: FakeOptions = {}) {
  let connIndex = 0;
  const server = await FakeWebSocketServer.start({
    path: '/v3/ws',
    onUpgrade: () => (options.status ? { reject: { status: options.status, body: 'refused' } } : undefined),
    onConnection: (conn) => {
      const index = connIndex++;
      const ws = conn.socket;
      const q = conn.query;
      if (conn.headers.authorization !== KEY) {
        return void ws.close(1008, conn.headers.authorization ? 'Unauthorized Connection: Invalid API key' : 'Unauthorized Connection: Missing Authorization header');
      }
      const rate = Number(q.get('sample_rate'));
      const encoding = q.get('encoding');
      if (!rate || !q.get('speech_model') || (encoding !== 'pcm_s16le' && encoding !== 'pcm_mulaw')) {
        return void ws.close(3006, 'Invalid Message: bad query');
      }
      const bytesPerMs = (rate * (encoding === 'pcm_s16le' ? 2 : 1)) / 1000;
      const frameBytes = 20 * bytesPerMs;
      ws.send(JSON.stringify({ type: 'Begin', id: SESSION, expires_at: 1764000000 }));
      let turnOrder = 0;
      let audio: number[] = [];
      let messages = 0;
      let offsetMs = 0;
      const words = () => {
        const out: { text: string; start: number; end: number; confidence: number; word_is_final: boolean }[] = [];
        for (let i = 0; i < audio.length; i += frameBytes) {
          const word = WORDS[audio[i] ?? 0] ?? '';
          const at = offsetMs + i / bytesPerMs;
          const last = out[out.length - 1];
          if (word && last?.text === word) last.end = at + 20;
          else if (word) out.push({ text: word, start: at, end: at + 20, confidence: 0.9, word_is_final: true });
        }
        return out;
      };
      const turn = (end: boolean) => {
        const w = words();
        if (w.length === 0 && !end) return;
        const text = w.map((x) => x.text).join(' ');
        ws.send(JSON.stringify({
          turn_order: turnOrder, turn_is_formatted: false, end_of_turn: end, transcript: end ? text : w.slice(0, -1).map((x) => x.text).join(' '),
          end_of_turn_confidence: end ? 0.7 : 0.1, words: end ? w : w.map((x, i) => ({ ...x, word_is_final: i < w.length - 1 })), utterance: end ? text : '', type: 'Turn',
        }));
        if (end) {
          offsetMs += audio.length / bytesPerMs;
          audio = [];
          turnOrder++;
        }
      };
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) {
          const ms = data.byteLength / bytesPerMs;
          if (ms < 50 || ms > 1000) {
            const reason = `Input duration violation: ${ms} ms. Expected between 50 and 1000 ms`;
            ws.send(JSON.stringify({ type: 'Error', error_code: 3007, error: reason }));
            return void ws.close(3007, reason);
          }
          for (const byte of data) audio.push(byte);
          messages++;
          if (options.live !== false) turn(false);
          options.script?.(conn, messages, index);
          return;
        }
        let m: { type?: string };
        try {
          m = JSON.parse(data.toString()) as { type?: string };
        } catch {
          return void ws.close(3006, 'Invalid JSON');
        }
        if (m.type === 'UpdateConfiguration') return;
        if (m.type === 'ForceEndpoint') return turn(true);
        if (m.type === 'Terminate') {
          if (audio.length > 0 && options.live !== false) turn(true);
          ws.send(JSON.stringify({ type: 'Termination', audio_duration_seconds: 2, session_duration_seconds: 2 }));
          // The close frame comes in a later write than the last message (as over TLS).
          return void setTimeout(() => ws.close(1000), 20);
        }
        ws.close(3006, 'Invalid Message Type');
      });
    },
  });
  servers.push(server);
  return server;
}

const FIXTURE = [
  '{"turn_order":0,"turn_is_formatted":false,"end_of_turn":false,"transcript":"","end_of_turn_confidence":0.012,"words":[{"start":320,"end":560,"text":"hello","confidence":0.91,"word_is_final":false}],"utterance":"","type":"Turn"}',
  '{"turn_order":0,"turn_is_formatted":false,"end_of_turn":false,"transcript":"hello","end_of_turn_confidence":0.048,"words":[{"start":320,"end":640,"text":"hello","confidence":0.95,"word_is_final":true},{"start":720,"end":960,"text":"there","confidence":0.88,"word_is_final":false}],"utterance":"","type":"Turn"}',
  '{"turn_order":0,"turn_is_formatted":false,"end_of_turn":true,"transcript":"hello there","end_of_turn_confidence":0.71,"words":[{"start":320,"end":640,"text":"hello","confidence":0.95,"word_is_final":true},{"start":720,"end":1040,"text":"there","confidence":0.93,"word_is_final":true}],"utterance":"hello there","type":"Turn"}',
];

const frame = (word: string, bytes = 640) => new Uint8Array(bytes).fill(WORDS.indexOf(word));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const collect = collectAll<Transcript>;
const capture = captureLogger;
const bytesOn = (fake: FakeWebSocketServer, i: number) => fake.connections[i]?.binaryBytes().length ?? 0;

describe('AssemblyAISTT', () => {
  it('connects with the documented defaults and a bare key', async () => {
    const fake = await fakeAssemblyAI();
    const stream = new AssemblyAISTT({ apiKey: KEY, baseUrl: fake.url }).stream({ format: PCM16_16K });
    await until(() => fake.connections.length === 1);
    expect(Object.fromEntries(fake.connections[0]?.query ?? [])).toEqual({
      sample_rate: '16000',
      encoding: 'pcm_s16le',
      speech_model: 'universal-streaming-english',
    });
    expect(fake.connections[0]?.headers.authorization).toBe(KEY);
    await stream.close();
  });

  it('coalesces 20 ms frames into messages of at least 50 ms (no 3007)', async () => {
    const fake = await fakeAssemblyAI();
    const stream = assemblyai.STT({ apiKey: KEY, baseUrl: fake.url }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    await until(() => fake.connections.length === 1);
    for (let i = 0; i < 25; i++) {
      stream.sendAudio(frame(i < 12 ? 'hello' : 'there'));
      await sleep(2);
    }
    await until(() => bytesOn(fake, 0) >= 24 * 640);
    await stream.close();
    const sizes = fake.connections[0]?.binaryMessages().map((m) => m.byteLength) ?? [];
    expect(sizes.length).toBeGreaterThanOrEqual(8);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1600); // 50 ms at 16 kHz PCM16
    expect(Math.max(...sizes)).toBeLessThanOrEqual(32000);
    expect((await fake.connections[0]?.closed)?.code).toBe(1000);
    expect((await all).filter((t) => t.isFinal).map((t) => t.text)).toEqual(['hello there']);
  });

  it('maps the fixture turn sequence field by field', async () => {
    const fake = await fakeAssemblyAI({
      live: false,
      script: (conn, n) => {
        if (n === 1) for (const m of FIXTURE) void conn.send(m);
      },
    });
    const stream = new AssemblyAISTT({ apiKey: KEY, baseUrl: fake.url }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    for (let i = 0; i < 3; i++) stream.sendAudio(frame('hello'));
    await until(() => bytesOn(fake, 0) === 3 * 640);
    await sleep(50);
    await stream.close();
    const w = (word: string, start: number, end: number, confidence: number) => ({ word, start, end, confidence });
    expect(await all).toEqual([
      {
        text: 'hello', isFinal: false, speechFinal: false, confidence: 0.91, fromFinalize: false, eventType: 'Results',
        words: [w('hello', 0.32, 0.56, 0.91)], requestId: SESSION,
      },
      {
        text: 'hello there', isFinal: false, speechFinal: false, confidence: (0.95 + 0.88) / 2, fromFinalize: false, eventType: 'Results',
        words: [w('hello', 0.32, 0.64, 0.95), w('there', 0.72, 0.96, 0.88)], requestId: SESSION,
      },
      {
        text: 'hello there', isFinal: true, speechFinal: true, confidence: 0.94, fromFinalize: false, eventType: 'Results',
        words: [w('hello', 0.32, 0.64, 0.95), w('there', 0.72, 1.04, 0.93)], requestId: SESSION,
      },
    ]);
    expect(fake.connections[0]?.textMessages()).toEqual(['{"type":"Terminate"}']);
  });

  it('with formatTurns, the first end-of-turn message is the final and its formatted copy (same turn_order) is dropped (fixture)', async () => {
    const FORMATTED =
      '{"turn_order":0,"turn_is_formatted":true,"end_of_turn":true,"transcript":"Hello there.","end_of_turn_confidence":0.71,"words":[{"start":320,"end":640,"text":"Hello","confidence":0.95,"word_is_final":true},{"start":720,"end":1040,"text":"there.","confidence":0.93,"word_is_final":true}],"utterance":"","type":"Turn"}';
    const fake = await fakeAssemblyAI({
      live: false,
      script: (conn, n) => {
        if (n === 1) for (const m of [...FIXTURE, FORMATTED]) void conn.send(m);
      },
    });
    const stream = new AssemblyAISTT({ apiKey: KEY, baseUrl: fake.url, formatTurns: true }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    for (let i = 0; i < 3; i++) stream.sendAudio(frame('hello'));
    await until(() => bytesOn(fake, 0) === 3 * 640);
    await sleep(50);
    await stream.close();
    expect(fake.connections[0]?.query.get('format_turns')).toBe('true');
    const got = await all;
    expect(got.map((t) => [t.text, t.isFinal, t.speechFinal])).toEqual([
      ['hello', false, false],
      ['hello there', false, false],
      ['hello there', true, true],
    ]);
    expect(got[2]).toEqual({
      text: 'hello there', isFinal: true, speechFinal: true, confidence: 0.94, fromFinalize: false, eventType: 'Results',
      words: [{ word: 'hello', start: 0.32, end: 0.64, confidence: 0.95 }, { word: 'there', start: 0.72, end: 1.04, confidence: 0.93 }],
      requestId: SESSION,
    });
  });

  it('ForceEndpoint on finalize() yields a fromFinalize final; UpdateConfiguration goes out as JSON', async () => {
    const fake = await fakeAssemblyAI();
    const stream = new AssemblyAISTT({ apiKey: KEY, baseUrl: fake.url }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    await until(() => fake.connections.length === 1);
    stream.updateConfiguration({ maxTurnSilenceMs: 800, keyterms: ['Acme'] });
    for (let i = 0; i < 3; i++) stream.sendAudio(frame('kenobi'));
    stream.finalize();
    await until(() => fake.connections[0]?.textMessages().length === 2);
    await sleep(30);
    await stream.close();
    const finals = (await all).filter((t) => t.isFinal);
    expect(finals.map((t) => [t.text, t.fromFinalize, t.speechFinal])).toEqual([['kenobi', true, true]]);
    expect(fake.connections[0]?.jsonMessages()).toEqual([
      { type: 'UpdateConfiguration', keyterms_prompt: ['Acme'], max_turn_silence: 800 },
      { type: 'ForceEndpoint' },
      { type: 'Terminate' },
    ]);
  });

  it.each([
    [3005, 'Session Cancelled: An error occurred'],
    [3008, 'Session Expired: Maximum session duration exceeded'],
  ])('reconnects once after a %i close and the turn still completes with every word', async (code, reason) => {
    const fake = await fakeAssemblyAI({
      script: (conn, _n, connIndex) => {
        if (connIndex === 0 && conn.binaryBytes().length === 6 * 640) {
          void conn.send({ type: 'Error', error_code: code, error: reason });
          void conn.close(code, reason);
        }
      },
    });
    const stream = new AssemblyAISTT({ apiKey: KEY, baseUrl: fake.url }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    await until(() => fake.connections.length === 1);
    for (let i = 0; i < 6; i++) stream.sendAudio(frame('hello')); // 120 ms of "hello", then 3005
    await until(() => fake.connections.length === 2);
    for (let i = 0; i < 6; i++) stream.sendAudio(frame('there'));
    await until(() => bytesOn(fake, 1) === 12 * 640);
    stream.finalize();
    await until(() => fake.connections[1]?.textMessages().includes('{"type":"ForceEndpoint"}') ?? false);
    await sleep(30);
    await stream.close();
    expect((await all).filter((t) => t.isFinal).map((t) => t.text)).toEqual(['hello there']);
    expect(fake.upgrades).toHaveLength(2);
  });

  it('reconnects only once when every new session fails with 3005', async () => {
    const fake = await fakeAssemblyAI({
      live: false,
      script: (conn) => {
        void conn.send({ type: 'Error', error_code: 3005, error: 'Session Cancelled: An error occurred' });
        void conn.close(3005, 'Session Cancelled: An error occurred');
      },
    });
    const stream = new AssemblyAISTT({ apiKey: KEY, baseUrl: fake.url }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts()).catch((e: unknown) => e);
    for (let i = 0; i < 3; i++) stream.sendAudio(frame('hello'));
    const error = await all;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'assemblyai', retryable: true, body: { code: 3005 } });
    await sleep(300);
    expect(fake.upgrades).toHaveLength(2);
  });

  it('passes μ-law 8 kHz through as pcm_mulaw in ≥ 50 ms messages (forTwilio)', async () => {
    const fake = await fakeAssemblyAI();
    const stt = AssemblyAISTT.forTwilio({ apiKey: KEY, baseUrl: fake.url });
    expect(stt.inputFormats).toEqual([MULAW_8K]);
    const stream = stt.stream({ format: MULAW_8K });
    for (let i = 0; i < 5; i++) stream.sendAudio(frame('general', 160));
    await until(() => bytesOn(fake, 0) === 800);
    expect(fake.connections[0]?.query.get('encoding')).toBe('pcm_mulaw');
    expect(fake.connections[0]?.query.get('sample_rate')).toBe('8000');
    // Buffered before the socket opened: flushed as one 100 ms message, bytes untouched.
    expect(fake.connections[0]?.binaryMessages()).toEqual([new Uint8Array(800).fill(3)]);
    for (let i = 0; i < 4; i++) stream.sendAudio(frame('general', 160));
    await until(() => bytesOn(fake, 0) === 1280);
    expect(fake.connections[0]?.binaryMessages().map((m) => m.byteLength)).toEqual([800, 480]);
    await stream.close();
  });

  it('a 3007 input-duration Error fails the stream, typed and not retried', async () => {
    const fake = await fakeAssemblyAI();
    const stream = new AssemblyAISTT({ apiKey: KEY, baseUrl: fake.url }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts()).catch((e: unknown) => e);
    await until(() => fake.connections.length === 1);
    void fake.connections[0]?.send({ type: 'Error', error_code: 3007, error: 'Input duration violation: 20 ms. Expected between 50 and 1000 ms' });
    const error = await all;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'assemblyai', retryable: false, body: { code: 3007 } });
    expect(fake.upgrades).toHaveLength(1);
  });

  it('validates options; language only warns', () => {
    expect(() => new AssemblyAISTT({ apiKey: KEY, vadThreshold: 2 })).toThrow(ConfigError);
    const { logger, lines } = capture();
    new AssemblyAISTT({ apiKey: KEY, language: 'de', logger });
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ option: 'language' }) })]);
    const saved = process.env.ASSEMBLYAI_API_KEY;
    delete process.env.ASSEMBLYAI_API_KEY;
    try {
      expect(() => new AssemblyAISTT()).toThrow(/ASSEMBLYAI_API_KEY/);
    } finally {
      if (saved !== undefined) process.env.ASSEMBLYAI_API_KEY = saved;
    }
    expect(createSTT('assemblyai', { apiKey: KEY })).toBeInstanceOf(AssemblyAISTT);
  });

});

// The WebSocket-STT behaviours every such plugin shares (unknown option, refused key: AssemblyAI
// closes 1008 in-band, bad messages, a dropped socket, call end, warmup), against the same fake.
describeWebSocketSTTBehaviour({
  name: 'AssemblyAISTT',
  provider: 'assemblyai',
  envVar: 'ASSEMBLYAI_API_KEY',
  serve: (options) => fakeAssemblyAI(options?.refuseStatus ? { status: options.refuseStatus } : {}),
  create: (options) => new AssemblyAISTT(options),
  frame: (word) => frame(word),
  misspelledOption: ['formatTurn', 'formatTurns'],
  malformedMessage: '{"type":"Turn"',
  unknownMessage: '{"type":"LLMGatewayResponse"}',
  callEnd: { sent: (conn) => conn.textMessages(), expected: ['{"type":"Terminate"}'] },
});

// The shared STT contract. AssemblyAI never receives a tail under 50 ms (it would answer 3007),
// so each connection holds a contiguous slice of the stream's audio ('slice').
for (const format of [PCM16_16K, MULAW_8K]) {
  let fake: FakeWebSocketServer | undefined;
  describeSTTConformance({
    name: `AssemblyAISTT ${format.encoding}/${format.sampleRate}`,
    format,
    audioMatch: 'slice',
    beforeEach: async () => {
      fake = await fakeAssemblyAI({ live: false });
    },
    createProvider: () => new AssemblyAISTT({ apiKey: KEY, baseUrl: fake?.url ?? '', inputFormats: [format] }),
    connections: () =>
      (fake?.connections ?? []).map((conn) => ({
        audio: () => conn.binaryBytes(),
        speak: (text: string) =>
          conn.send({ turn_order: 0, turn_is_formatted: false, end_of_turn: true, transcript: text, end_of_turn_confidence: 0.9, words: [], utterance: text, type: 'Turn' }),
      })),
  });
}
