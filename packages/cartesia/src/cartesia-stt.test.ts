import {
  ConfigError,
  MULAW_8K,
  PCM16_16K,
  ProviderStatusError,
  createSTT,
  type Transcript,
} from '@patter/core';
import {
  FakeWebSocketServer,
  type FakeWebSocketConnection,
  until,
  collectAll,
} from '@patter/testing';
import { describeSTTConformance, describeWebSocketSTTBehaviour } from '@patter/testing/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import * as cartesia from './index.js';
import { CartesiaSTT } from './index.js';

// ---------------------------------------------------------------------------------------------
// A loopback Cartesia `/stt/websocket` (ink-whisper), as strict as the real one
// (protocols/stt/cartesia.md): `X-API-Key` else 401, `Cartesia-Version` required; model /
// encoding / sample_rate checked (a bad model → `error` message + close); text commands are
// plain `finalize` (→ final chunk + `flush_done`) and `done`/`close` (→ `done`, close 1000);
// `idleMs` (20 s) without audio → close. Audio carries "words" (20 ms frames filled with a word
// index); transcript text is the delta since the last final.
// ---------------------------------------------------------------------------------------------
const KEY = 'test-key';
const REQUEST_ID = '7c1e2d3f-0a4b-4c5d-8e9f-112233445566';
const WORDS = ['', 'Hello', 'there', 'general', 'kenobi'];
const MODELS = new Set(['ink-whisper', 'ink-whisper-2025-06-04', 'ink-2']);
const ENCODINGS = new Set(['pcm_s16le', 'pcm_s32le', 'pcm_f16le', 'pcm_f32le', 'pcm_mulaw', 'pcm_alaw']);

interface FakeOptions {
  /** Refuse every upgrade with this HTTP status. */
  status?: number;
  idleMs?: number;
  script?: (conn: FakeWebSocketConnection, audioMessages: number) => void;
  /** The first connection answers its n-th audio message with a 500 `error` message and closes. */
  fail500After?: number;
}

const servers: FakeWebSocketServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function fakeCartesia(options: FakeOptions = {}) {
  const server = await FakeWebSocketServer.start({
    path: '/stt/websocket',
    onUpgrade: (req) => {
      if (options.status) return { reject: { status: options.status, body: '{"error":"refused"}' } };
      if (req.headers['x-api-key'] !== KEY) return { reject: { status: 401, body: '{"error":"Invalid API key"}' } };
      if (!req.headers['cartesia-version']) return { reject: { status: 400, body: '{"error":"Cartesia-Version required"}' } };
      const q = req.query;
      if (!ENCODINGS.has(q.get('encoding') ?? '') || !Number(q.get('sample_rate'))) {
        return { reject: { status: 400, body: '{"error":"invalid encoding or sample_rate"}' } };
      }
      return { headers: { 'cartesia-request-id': REQUEST_ID } };
    },
    onConnection: (conn) => {
      const ws = conn.socket;
      const index = server.connections.indexOf(conn);
      if (!MODELS.has(conn.query.get('model') ?? '')) {
        ws.send(JSON.stringify({ type: 'error', title: 'Invalid model', message: 'The model is not valid, make sure it is a valid model ID.', error_code: 'model_not_found', status_code: 400, request_id: REQUEST_ID }));
        return void ws.close(1008, 'invalid model');
      }
      const bytesPerMs = (Number(conn.query.get('sample_rate')) * (conn.query.get('encoding') === 'pcm_s16le' ? 2 : 1)) / 1000;
      const frameBytes = 20 * bytesPerMs;
      let pending: number[] = [];
      let offsetMs = 0;
      let messages = 0;
      let idle: NodeJS.Timeout | undefined;
      const armIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(() => ws.close(1000, 'idle timeout'), options.idleMs ?? 20_000);
      };
      armIdle();
      ws.on('close', () => clearTimeout(idle));
      const chunk = (isFinal: boolean) => {
        const words: { word: string; start: number; end: number }[] = [];
        for (let i = 0; i < pending.length; i += frameBytes) {
          const word = WORDS[pending[i] ?? 0] ?? '';
          const at = (offsetMs + i / bytesPerMs) / 1000;
          const last = words[words.length - 1];
          if (word && last?.word === word) last.end = at + 0.02;
          else if (word) words.push({ word, start: at, end: at + 0.02 });
        }
        const duration = (offsetMs + pending.length / bytesPerMs) / 1000;
        ws.send(JSON.stringify({ type: 'transcript', request_id: REQUEST_ID, text: words.map((w) => w.word).join(' '), is_final: isFinal, duration, language: 'en', words }));
        if (isFinal) {
          offsetMs += pending.length / bytesPerMs;
          pending = [];
        }
      };
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) {
          armIdle();
          for (const byte of data) pending.push(byte);
          messages++;
          if (index === 0 && messages === options.fail500After) {
            ws.send(JSON.stringify({ type: 'error', title: 'Internal error', message: 'Something went wrong.', error_code: 'internal_error', status_code: 500, request_id: REQUEST_ID }));
            return void ws.close(1011, 'internal error');
          }
          if (options.script) options.script(conn, messages);
          else chunk(false);
          return;
        }
        const command = data.toString();
        if (command === 'finalize') {
          if (!options.script) chunk(true);
          return void ws.send(JSON.stringify({ type: 'flush_done', request_id: REQUEST_ID }));
        }
        if (command === 'done' || command === 'close') {
          if (pending.length > 0 && !options.script) chunk(true);
          ws.send(JSON.stringify({ type: 'done', request_id: REQUEST_ID }));
          // The close frame comes in a later write than the last message (as over TLS).
          return void setTimeout(() => ws.close(1000), 20);
        }
        ws.send(JSON.stringify({ type: 'error', message: 'Unknown command', status_code: 400, request_id: REQUEST_ID }));
        ws.close(1008, 'unknown command');
      });
    },
  });
  servers.push(server);
  return server;
}

const FIXTURE = [
  '{"type":"transcript","request_id":"7c1e2d3f-0a4b-4c5d-8e9f-112233445566","text":"","is_final":false,"duration":0.3,"language":"en","words":[]}',
  '{"type":"transcript","request_id":"7c1e2d3f-0a4b-4c5d-8e9f-112233445566","text":"Hello","is_final":false,"duration":0.6,"language":"en","words":[{"word":"Hello","start":0.08,"end":0.42}]}',
  '{"type":"transcript","request_id":"7c1e2d3f-0a4b-4c5d-8e9f-112233445566","text":"Hello there","is_final":false,"duration":1.0,"language":"en","words":[{"word":"Hello","start":0.08,"end":0.42},{"word":"there","start":0.46,"end":0.86}]}',
];
const FIXTURE_FINAL = [
  '{"type":"transcript","request_id":"7c1e2d3f-0a4b-4c5d-8e9f-112233445566","text":"Hello there.","is_final":true,"duration":1.2,"language":"en","words":[{"word":"Hello","start":0.08,"end":0.42},{"word":"there.","start":0.46,"end":0.86}]}',
  '{"type":"flush_done","request_id":"7c1e2d3f-0a4b-4c5d-8e9f-112233445566"}',
];

const frame = (word: string, bytes = 640) => new Uint8Array(bytes).fill(WORDS.indexOf(word));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const collect = collectAll<Transcript>;
const bytesOn = (fake: FakeWebSocketServer, i: number) => fake.connections[i]?.binaryBytes().length ?? 0;

describe('CartesiaSTT', () => {
  it('connects with the documented defaults and headers', async () => {
    const fake = await fakeCartesia();
    const stream = new CartesiaSTT({ apiKey: KEY, baseUrl: fake.url }).stream({ format: PCM16_16K });
    await until(() => fake.connections.length === 1);
    expect(Object.fromEntries(fake.connections[0]?.query ?? [])).toEqual({
      model: 'ink-whisper',
      language: 'en',
      encoding: 'pcm_s16le',
      sample_rate: '16000',
    });
    expect(fake.connections[0]?.headers['x-api-key']).toBe(KEY);
    expect(fake.connections[0]?.headers['cartesia-version']).toBe('2026-03-01');
    await stream.close();
  });

  it('maps the fixture sequence field by field; finalize → final + flush_done; close sends done', async () => {
    const fake = await fakeCartesia({
      script: (conn, n) => {
        if (n === 1) for (const m of FIXTURE) void conn.send(m);
      },
    });
    const stream = cartesia.STT({ apiKey: KEY, baseUrl: fake.url }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    stream.sendAudio(frame('Hello'));
    await until(() => bytesOn(fake, 0) === 640);
    await sleep(30);
    stream.finalize();
    await until(() => fake.connections[0]?.textMessages().includes('finalize') ?? false);
    for (const m of FIXTURE_FINAL) void fake.connections[0]?.send(m);
    await sleep(30);
    await stream.close();
    const base = { speechFinal: false, fromFinalize: false, eventType: 'Results', confidence: 1, requestId: REQUEST_ID, language: 'en' };
    expect(await all).toEqual([
      { ...base, text: 'Hello', isFinal: false, words: [{ word: 'Hello', start: 0.08, end: 0.42 }] },
      { ...base, text: 'Hello there', isFinal: false, words: [{ word: 'Hello', start: 0.08, end: 0.42 }, { word: 'there', start: 0.46, end: 0.86 }] },
      {
        ...base, text: 'Hello there.', isFinal: true, speechFinal: true, fromFinalize: true,
        words: [{ word: 'Hello', start: 0.08, end: 0.42 }, { word: 'there.', start: 0.46, end: 0.86 }],
      },
    ]);
    expect(fake.connections[0]?.textMessages()).toEqual(['finalize', 'done']);
    expect((await fake.connections[0]?.closed)?.code).toBe(1000);
  });

  it('an adopted parked socket carries the first turn without a new handshake', async () => {
    const fake = await fakeCartesia();
    const stt = new CartesiaSTT({ apiKey: KEY, baseUrl: fake.url });
    const parked = await stt.openParkedConnection({ format: PCM16_16K }); // while ringing
    expect(fake.upgrades).toHaveLength(1);
    await sleep(50);
    const stream = stt.adoptWebSocket(parked, { format: PCM16_16K }); // pickup
    const all = collect(stream.transcripts());
    stream.sendAudio(frame('general'));
    stream.sendAudio(frame('kenobi'));
    stream.finalize();
    await until(() => fake.connections[0]?.textMessages().includes('finalize') ?? false);
    await sleep(30);
    await stream.close();
    expect((await all).filter((t) => t.isFinal).map((t) => t.text)).toEqual(['general kenobi']);
    expect(fake.upgrades).toHaveLength(1);
    expect(fake.connections).toHaveLength(1);
  });

  it('adoptWebSocket opens a new connection when the parked one died or the format differs', async () => {
    const fake = await fakeCartesia();
    const stt = new CartesiaSTT({ apiKey: KEY, baseUrl: fake.url });
    const parked = await stt.openParkedConnection({ format: PCM16_16K });
    await fake.connections[0]?.close(1000, 'idle timeout');
    const stream = stt.adoptWebSocket(parked, { format: PCM16_16K });
    stream.sendAudio(frame('there'));
    await until(() => bytesOn(fake, 1) === 640);
    await stream.close();
    const other = await stt.openParkedConnection({ format: PCM16_16K });
    const mulaw = stt.adoptWebSocket(other, { format: MULAW_8K });
    await until(() => fake.connections.length === 4);
    expect(fake.connections[3]?.query.get('encoding')).toBe('pcm_mulaw');
    expect((await fake.connections[2]?.closed)?.code).toBe(1000);
    await mulaw.close();
  });

  it('a 500 error message mid-utterance reconnects and loses no words; closeCommand "close" ends the stream', async () => {
    const fake = await fakeCartesia({ fail500After: 2 });
    const stream = new CartesiaSTT({ apiKey: KEY, baseUrl: fake.url, closeCommand: 'close' }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    stream.sendAudio(frame('general'));
    await until(() => bytesOn(fake, 0) === 640);
    stream.sendAudio(frame('kenobi'));
    await until(() => fake.connections.length === 2);
    await until(() => bytesOn(fake, 1) === 2 * 640);
    await stream.close();
    expect((await all).filter((t) => t.isFinal).map((t) => t.text)).toEqual(['general kenobi']);
    expect(fake.connections[1]?.textMessages()).toEqual(['close']);
    expect((await fake.connections[1]?.closed)?.code).toBe(1000);
  });

  it('passes μ-law through untouched (forTwilio)', async () => {
    const fake = await fakeCartesia();
    const stt = CartesiaSTT.forTwilio({ apiKey: KEY, baseUrl: fake.url });
    expect(stt.inputFormats).toEqual([MULAW_8K]);
    const stream = stt.stream({ format: MULAW_8K });
    stream.sendAudio(frame('kenobi', 160));
    await until(() => bytesOn(fake, 0) === 160);
    expect(fake.connections[0]?.binaryMessages()[0]).toEqual(frame('kenobi', 160));
    await stream.close();
  });

  it('sends the caller audio in 100 ms messages by default (five Twilio frames each); chunkMs: 20 sends each frame', async () => {
    const fake = await fakeCartesia();
    const stream = CartesiaSTT.forTwilio({ apiKey: KEY, baseUrl: fake.url }).stream({ format: MULAW_8K });
    await until(() => fake.connections.length === 1);
    for (let i = 0; i < 10; i++) stream.sendAudio(frame('kenobi', 160));
    await until(() => bytesOn(fake, 0) === 1600);
    expect(fake.connections[0]?.binaryMessages().map((m) => m.byteLength)).toEqual([800, 800]);
    await stream.close();

    const each = CartesiaSTT.forTwilio({ apiKey: KEY, baseUrl: fake.url, chunkMs: 20 }).stream({ format: MULAW_8K });
    // The first frame's arrival shows the socket is open (audio sent before that goes out together).
    each.sendAudio(frame('kenobi', 160));
    await until(() => bytesOn(fake, 1) === 160);
    for (let i = 0; i < 2; i++) each.sendAudio(frame('kenobi', 160));
    await until(() => bytesOn(fake, 1) === 480);
    expect(fake.connections[1]?.binaryMessages().map((m) => m.byteLength)).toEqual([160, 160, 160]);
    await each.close();
    expect(() => new CartesiaSTT({ apiKey: KEY, chunkMs: 5 })).toThrow(/chunkMs/);
  });

  it('an error message (invalid model) fails the stream typed, not retried', async () => {
    const fake = await fakeCartesia();
    const bad = new CartesiaSTT({ apiKey: KEY, baseUrl: fake.url, model: 'nope' }).stream({ format: PCM16_16K });
    const badError = await collect(bad.transcripts()).catch((e: unknown) => e);
    expect(badError).toBeInstanceOf(ProviderStatusError);
    expect(badError).toMatchObject({ provider: 'cartesia_stt', status: 400, retryable: false });
    expect(fake.upgrades).toHaveLength(1);
  });

  it('validates options and registers', () => {
    expect(() => new CartesiaSTT({ apiKey: KEY, minVolume: 3 })).toThrow(ConfigError);
    const saved = process.env.CARTESIA_API_KEY;
    delete process.env.CARTESIA_API_KEY;
    try {
      expect(() => new CartesiaSTT()).toThrow(/CARTESIA_API_KEY/);
    } finally {
      if (saved !== undefined) process.env.CARTESIA_API_KEY = saved;
    }
    expect(createSTT('cartesia_stt', { apiKey: KEY })).toBeInstanceOf(CartesiaSTT);
  });

});

// The WebSocket-STT behaviours every such plugin shares (unknown option, refused key, bad messages,
// a dropped socket, call end, warmup, ping keep-alive), against the same fake.
describeWebSocketSTTBehaviour({
  name: 'CartesiaSTT',
  provider: 'cartesia_stt',
  envVar: 'CARTESIA_API_KEY',
  serve: (options) => fakeCartesia(options?.refuseStatus ? { status: options.refuseStatus } : {}),
  create: (options) => new CartesiaSTT(options),
  frame: (word) => frame(word),
  misspelledOption: ['maxSilenceDurationSec', 'maxSilenceDurationSecs'],
  malformedMessage: '{"type":"transcript",',
  unknownMessage: JSON.stringify({ type: 'turn.start', request_id: REQUEST_ID }),
  callEnd: { sent: (conn) => conn.textMessages(), expected: ['done'] },
  keepAlive: { create: (options) => new CartesiaSTT({ ...options, pingIntervalMs: 100 }), intervalMs: 100, message: 'ping' },
});

// The shared STT contract (real speech: the fake stays quiet until the suite makes it speak).
for (const format of [PCM16_16K, MULAW_8K]) {
  let fake: FakeWebSocketServer | undefined;
  describeSTTConformance({
    name: `CartesiaSTT ${format.encoding}/${format.sampleRate}`,
    format,
    beforeEach: async () => {
      fake = await fakeCartesia({ script: () => {} });
    },
    createProvider: () => new CartesiaSTT({ apiKey: KEY, baseUrl: fake?.url ?? '' }),
    connections: () =>
      (fake?.connections ?? []).map((conn) => ({
        audio: () => conn.binaryBytes(),
        speak: (text: string) =>
          conn.send({ type: 'transcript', request_id: REQUEST_ID, text, is_final: true, duration: 0, language: 'en', words: [] }),
      })),
  });
}
