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
import * as deepgram from './index.js';
import { DeepgramSTT } from './index.js';

// ---------------------------------------------------------------------------------------------
// A loopback Deepgram `/v1/listen`, as strict as the real one (protocols/stt/deepgram.md):
// `Authorization: Token <key>` or 401; model/encoding/sample_rate required; `utterance_end_ms`
// < 1000 or without interim results → 400 + dg-error; only KeepAlive / Finalize / CloseStream /
// Configure text frames; an empty binary frame → close DATA-0000; `idleMs` (10 s) without a
// frame → close 1011 NET-0001; CloseStream → pending results, Metadata, close 1000.
// Audio carries "words": each 20 ms frame is filled with a word's index, so the fake can
// "transcribe" exactly the audio it received (a lost frame is a lost word).
// ---------------------------------------------------------------------------------------------
const KEY = 'test-key';
const REQUEST_ID = '3f2a0c4e-6d1b-4b8a-9e2f-0c1d2e3f4a5b';
const WORDS = ['', 'hello', 'there', 'general', 'kenobi'];

interface FakeOptions {
  idleMs?: number;
  /** Finalize answers carry no text (the conformance suite sends real speech). */
  silent?: boolean;
  status?: number;
  /** Bytes of one "word" frame (20 ms in the stream's format). */
  frameBytes?: number;
  /** Called on each audio frame. */
  onAudio?: (conn: FakeWebSocketConnection, frames: number) => void;
}

const servers: FakeWebSocketServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function fakeDeepgram(options: FakeOptions = {}) {
  const frameBytes = options.frameBytes ?? 640;
  const refuse = (status: number, error: string) => ({
    reject: { status, headers: { 'dg-error': error, 'dg-request-id': REQUEST_ID }, body: error },
  });
  const server = await FakeWebSocketServer.start({
    path: '/v1/listen',
    onUpgrade: (req) => {
      if (options.status) return refuse(options.status, 'forced');
      if (req.headers.authorization !== `Token ${KEY}`) return refuse(401, 'Invalid credentials.');
      const q = req.query;
      if (!q.get('model') || !q.get('encoding') || !q.get('sample_rate')) return refuse(400, 'Missing model/encoding/sample_rate.');
      const ue = q.get('utterance_end_ms');
      if (ue !== null && (Number(ue) < 1000 || q.get('interim_results') !== 'true')) {
        return refuse(400, `Invalid 'utterance_end_ms' value of '${ue}'.`);
      }
      return { headers: { 'dg-request-id': REQUEST_ID } };
    },
    onConnection: (conn) => {
      const ws = conn.socket;
      const audio: number[] = [];
      let frames = 0;
      let finalFrom = 0;
      let idle: NodeJS.Timeout | undefined;
      const armIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(() => ws.close(1011, 'NET-0001'), options.idleMs ?? 10_000);
      };
      armIdle();
      ws.on('close', () => clearTimeout(idle));
      const finalize = (fromFinalize: boolean, speechFinal: boolean) => {
        const start = finalFrom / frameBytes / 50;
        const words = options.silent ? [] : transcribe(audio.slice(finalFrom), frameBytes);
        finalFrom = audio.length;
        const duration = audio.length / frameBytes / 50 - start;
        ws.send(results(words.join(' '), { isFinal: true, speechFinal, fromFinalize, start, duration }));
      };
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        armIdle();
        if (isBinary) {
          if (data.byteLength === 0) return ws.close(1002, 'DATA-0000');
          for (const byte of data) audio.push(byte);
          options.onAudio?.(conn, ++frames);
          return;
        }
        let type: unknown;
        try {
          type = (JSON.parse(data.toString()) as { type?: unknown }).type;
        } catch {
          return ws.close(1002, 'invalid JSON');
        }
        if (type === 'KeepAlive') return;
        if (type === 'Finalize') return finalize(true, false);
        if (type === 'CloseStream') {
          if (audio.length > finalFrom) finalize(false, true);
          ws.send(JSON.stringify({ type: 'Metadata', transaction_key: 'deprecated', request_id: REQUEST_ID, duration: 2.3, channels: 1 }));
          // The close frame comes in a later write than the last message (as over TLS).
          return void setTimeout(() => ws.close(1000), 20);
        }
        ws.close(1008, 'unknown message type');
      });
    },
  });
  servers.push(server);
  return server;
}

function transcribe(bytes: number[], frameBytes: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += frameBytes) {
    const word = WORDS[bytes[i] ?? 0] ?? '';
    if (word && out[out.length - 1] !== word) out.push(word);
  }
  return out;
}

function results(
  text: string,
  f: { isFinal: boolean; speechFinal: boolean; fromFinalize: boolean; start: number; duration: number },
): string {
  return JSON.stringify({
    type: 'Results',
    channel_index: [0, 1],
    duration: f.duration,
    start: f.start,
    is_final: f.isFinal,
    speech_final: f.speechFinal,
    from_finalize: f.fromFinalize,
    channel: { alternatives: [{ transcript: text, confidence: 0.9, words: [] }] },
    metadata: { request_id: REQUEST_ID },
  });
}

/** The protocol notes' §10 fixture, verbatim. */
const FIXTURE = [
  '{"type":"SpeechStarted","channel":[0],"timestamp":0.08}',
  '{"type":"Results","channel_index":[0,1],"duration":0.6,"start":0.0,"is_final":false,"speech_final":false,"from_finalize":false,"channel":{"alternatives":[{"transcript":"Hello","confidence":0.93,"words":[{"word":"hello","start":0.08,"end":0.42,"confidence":0.93,"punctuated_word":"Hello"}]}]},"metadata":{"request_id":"3f2a0c4e-6d1b-4b8a-9e2f-0c1d2e3f4a5b","model_info":{"name":"general-nova-3","version":"2025-04-17.21547","arch":"nova-3"},"model_uuid":"40bd3654-e622-47c4-a111-63a61b23bfe8"}}',
  '{"type":"Results","channel_index":[0,1],"duration":1.0,"start":0.0,"is_final":false,"speech_final":false,"from_finalize":false,"channel":{"alternatives":[{"transcript":"Hello there","confidence":0.95,"words":[{"word":"hello","start":0.08,"end":0.42,"confidence":0.96,"punctuated_word":"Hello"},{"word":"there","start":0.42,"end":0.86,"confidence":0.94,"punctuated_word":"there"}]}]},"metadata":{"request_id":"3f2a0c4e-6d1b-4b8a-9e2f-0c1d2e3f4a5b","model_info":{"name":"general-nova-3","version":"2025-04-17.21547","arch":"nova-3"},"model_uuid":"40bd3654-e622-47c4-a111-63a61b23bfe8"}}',
  '{"type":"Results","channel_index":[0,1],"duration":1.2,"start":0.0,"is_final":true,"speech_final":true,"from_finalize":false,"channel":{"alternatives":[{"transcript":"Hello there.","confidence":0.98,"words":[{"word":"hello","start":0.08,"end":0.42,"confidence":0.99,"punctuated_word":"Hello"},{"word":"there","start":0.42,"end":0.86,"confidence":0.97,"punctuated_word":"there."}]}]},"metadata":{"request_id":"3f2a0c4e-6d1b-4b8a-9e2f-0c1d2e3f4a5b","model_info":{"name":"general-nova-3","version":"2025-04-17.21547","arch":"nova-3"},"model_uuid":"40bd3654-e622-47c4-a111-63a61b23bfe8"}}',
  '{"type":"UtteranceEnd","channel":[0,1],"last_word_end":0.86}',
];

const frame = (word: string, bytes = 640) => new Uint8Array(bytes).fill(WORDS.indexOf(word));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const collect = collectAll<Transcript>;
const capture = captureLogger;

describe('DeepgramSTT', () => {
  it('connects with the documented defaults', async () => {
    const fake = await fakeDeepgram();
    const stream = new DeepgramSTT({ apiKey: KEY, baseUrl: fake.url }).stream({ format: PCM16_16K });
    await until(() => fake.connections.length === 1);
    const q = Object.fromEntries(fake.connections[0]?.query ?? []);
    expect(q).toEqual({
      model: 'nova-3',
      language: 'en',
      encoding: 'linear16',
      sample_rate: '16000',
      channels: '1',
      interim_results: 'true',
      endpointing: '150',
      utterance_end_ms: '1000',
      vad_events: 'true',
      smart_format: 'false',
    });
    expect(fake.connections[0]?.headers.authorization).toBe('Token test-key');
    await stream.close();
  });

  it('maps the fixture sequence to transcripts field by field', async () => {
    const fake = await fakeDeepgram({
      onAudio: (conn, frames) => {
        if (frames === 1) for (const m of FIXTURE) void conn.send(m);
      },
    });
    const stream = deepgram.STT({ apiKey: KEY, baseUrl: fake.url }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    stream.sendAudio(frame('hello'));
    await until(() => (fake.connections[0]?.binaryMessages().length ?? 0) === 1);
    await sleep(50);
    await stream.close();
    const got = await all;
    const hello = { word: 'Hello', start: 0.08, end: 0.42 };
    // close() finalizes first: the fake's answer to that Finalize comes last.
    expect(got[5]).toMatchObject({ text: 'hello', isFinal: true, fromFinalize: true });
    expect(got.slice(0, 5)).toEqual([
      { text: '', isFinal: false, speechFinal: false, confidence: 0, fromFinalize: false, eventType: 'SpeechStarted' },
      {
        text: 'Hello', isFinal: false, speechFinal: false, confidence: 0.93, fromFinalize: false, eventType: 'Results',
        words: [{ ...hello, confidence: 0.93 }], requestId: REQUEST_ID,
      },
      {
        text: 'Hello there', isFinal: false, speechFinal: false, confidence: 0.95, fromFinalize: false, eventType: 'Results',
        words: [{ ...hello, confidence: 0.96 }, { word: 'there', start: 0.42, end: 0.86, confidence: 0.94 }], requestId: REQUEST_ID,
      },
      {
        text: 'Hello there.', isFinal: true, speechFinal: true, confidence: 0.98, fromFinalize: false, eventType: 'Results',
        words: [{ ...hello, confidence: 0.99 }, { word: 'there.', start: 0.42, end: 0.86, confidence: 0.97 }], requestId: REQUEST_ID,
      },
      { text: '', isFinal: false, speechFinal: true, confidence: 0, fromFinalize: false, eventType: 'UtteranceEnd', requestId: REQUEST_ID },
    ]);
  });

  it('sends KeepAlive while no audio flows, and none while it does', async () => {
    // The fake closes 1011 NET-0001 after 2.5 s without a frame; keep-alives every 1 s prevent it.
    const fake = await fakeDeepgram({ idleMs: 2500 });
    const stream = new DeepgramSTT({ apiKey: KEY, baseUrl: fake.url, keepAliveIntervalMs: 1000 }).stream({ format: PCM16_16K });
    await until(() => fake.connections.length === 1);
    const talking = setInterval(() => stream.sendAudio(frame('hello')), 20);
    await sleep(1300);
    clearInterval(talking);
    expect(fake.connections[0]?.textMessages()).toEqual([]);
    await sleep(3300);
    expect(fake.connections[0]?.textMessages().length).toBeGreaterThanOrEqual(2);
    expect(new Set(fake.connections[0]?.textMessages())).toEqual(new Set(['{"type":"KeepAlive"}']));
    expect(fake.connections).toHaveLength(1);
    expect(fake.connections[0]?.isOpen).toBe(true);
    await stream.close();
  });

  it('reconnects after a 1011 NET-0001 idle close and keeps streaming', async () => {
    // Keep-alives every 2 s cannot beat this fake's 300 ms idle timeout.
    const fake = await fakeDeepgram({ idleMs: 300 });
    const stream = new DeepgramSTT({ apiKey: KEY, baseUrl: fake.url, keepAliveIntervalMs: 2000 }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    stream.sendAudio(frame('general'));
    await until(() => fake.connections.length === 2);
    expect((await fake.connections[0]?.closed)?.reason).toBe('NET-0001');
    stream.sendAudio(frame('kenobi'));
    stream.finalize();
    await until(() => fake.connections[1]?.textMessages().includes('{"type":"Finalize"}') ?? false);
    await sleep(30);
    await stream.close();
    // Nothing was final before the drop: "general" is replayed with "kenobi". (close()'s own
    // Finalize is answered with an empty from_finalize final.)
    expect((await all).filter((t) => t.isFinal).map((t) => [t.text, t.fromFinalize])).toEqual([
      ['general kenobi', true],
      ['', true],
    ]);
  });

  it('finalize() yields a fromFinalize final; close() sends Finalize then CloseStream', async () => {
    const fake = await fakeDeepgram();
    const stream = new DeepgramSTT({ apiKey: KEY, baseUrl: fake.url }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    stream.sendAudio(frame('hello'));
    stream.sendAudio(frame('there'));
    stream.finalize();
    await until(() => fake.connections[0]?.textMessages().length === 1);
    stream.sendAudio(frame('kenobi'));
    await until(() => (fake.connections[0]?.binaryBytes().length ?? 0) === 3 * 640);
    await stream.close();
    const got = await all;
    expect(got.map((t) => [t.text, t.isFinal, t.fromFinalize])).toEqual([
      ['hello there', true, true],
      ['kenobi', true, true],
    ]);
    expect(fake.connections[0]?.textMessages()).toEqual(['{"type":"Finalize"}', '{"type":"Finalize"}', '{"type":"CloseStream"}']);
    expect(await fake.connections[0]?.closed).toMatchObject({ code: 1000 });
  });

  it('a socket that stays open but answers nothing while audio flows is dropped with a warning naming deepgram, reconnected, and the audio replayed', async () => {
    // The second connection behaves like Deepgram with interim results (a Results every 5 frames);
    // the first one goes silent.
    const fake = await fakeDeepgram({
      onAudio: (conn, frames) => {
        if (conn !== fake.connections[0] && frames % 5 === 0) void conn.send(results('', { isFinal: false, speechFinal: false, fromFinalize: false, start: 0, duration: 0.1 }));
      },
    });
    const { logger, lines } = capture();
    const stream = new DeepgramSTT({ apiKey: KEY, baseUrl: fake.url, inactivityTimeoutMs: 500, logger }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    let sent = 0;
    const feeding = setInterval(() => stream.sendAudio(frame(sent++ < 10 ? 'general' : 'kenobi')), 20);
    try {
      await until(() => (fake.connections[1]?.binaryBytes().length ?? 0) > 640 * 12, 6000);
    } finally {
      clearInterval(feeding);
    }
    await stream.close();
    const finals = (await all).filter((t) => t.isFinal).map((t) => t.text);
    expect(finals.join(' ')).toMatch(/^general kenobi/);
    const warn = lines.find((l) => l.msg === 'stt socket silent while audio flows; reconnecting');
    expect(warn).toMatchObject({ level: 'warn', fields: { provider: 'deepgram' } });
    expect(fake.connections).toHaveLength(2);
  });

  it('passes μ-law 8 kHz through untouched (forTwilio)', async () => {
    const fake = await fakeDeepgram({ frameBytes: 160 });
    const stt = DeepgramSTT.forTwilio({ apiKey: KEY, baseUrl: fake.url });
    expect(stt.inputFormats).toEqual([MULAW_8K]);
    const stream = stt.stream({ format: MULAW_8K });
    const bytes = frame('general', 160);
    stream.sendAudio(bytes);
    await until(() => (fake.connections[0]?.binaryMessages().length ?? 0) === 1);
    expect(fake.connections[0]?.query.get('encoding')).toBe('mulaw');
    expect(fake.connections[0]?.query.get('sample_rate')).toBe('8000');
    expect(fake.connections[0]?.binaryMessages()[0]).toEqual(bytes);
    await stream.close();
  });

  it('a DATA- close fails the stream, typed and not retried', async () => {
    const fake = await fakeDeepgram();
    const stream = new DeepgramSTT({ apiKey: KEY, baseUrl: fake.url }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts()).catch((e: unknown) => e);
    await until(() => fake.connections.length === 1);
    void fake.connections[0]?.close(1002, 'DATA-0000');
    const error = await all;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'deepgram', retryable: false });
    expect(fake.upgrades.length).toBe(1);
  });

  it('registers under its key', () => {
    expect(createSTT('deepgram', { apiKey: KEY })).toBeInstanceOf(DeepgramSTT);
  });

  it('validates options at construction', () => {
    expect(() => new DeepgramSTT({ apiKey: KEY, utteranceEndMs: 999 })).toThrow(ConfigError);
    expect(() => new DeepgramSTT({ apiKey: KEY, baseUrl: 'ftp://x' })).toThrow(/baseUrl/);
    const saved = process.env.DEEPGRAM_API_KEY;
    delete process.env.DEEPGRAM_API_KEY;
    try {
      expect(() => new DeepgramSTT()).toThrow(/DEEPGRAM_API_KEY/);
    } finally {
      if (saved !== undefined) process.env.DEEPGRAM_API_KEY = saved;
    }
  });

});

// The WebSocket-STT behaviours every such plugin shares (unknown option, refused key, bad messages,
// a dropped socket, call end, warmup, keep-alive), against the same fake.
describeWebSocketSTTBehaviour({
  name: 'DeepgramSTT',
  provider: 'deepgram',
  envVar: 'DEEPGRAM_API_KEY',
  serve: (options) => fakeDeepgram(options?.refuseStatus ? { status: options.refuseStatus } : {}),
  create: (options) => new DeepgramSTT(options),
  frame: (word) => frame(word),
  misspelledOption: ['endpointMs', 'endpointingMs'],
  malformedMessage: '{"type":"Results",',
  unknownMessage: '{"type":"ConfigureSuccess","request_id":"x"}',
  callEnd: { sent: (conn) => conn.textMessages(), expected: ['{"type":"Finalize"}', '{"type":"CloseStream"}'] },
  keepAlive: { create: (options) => new DeepgramSTT({ ...options, keepAliveIntervalMs: 500 }), intervalMs: 500, message: '{"type":"KeepAlive"}' },
});

// The shared STT contract, against the same fake (audio is real speech here, so the fake's
// Finalize answers carry no text; the suite makes it "speak" instead).
for (const format of [PCM16_16K, MULAW_8K]) {
  let fake: FakeWebSocketServer | undefined;
  describeSTTConformance({
    name: `DeepgramSTT ${format.encoding}/${format.sampleRate}`,
    format,
    beforeEach: async () => {
      fake = await fakeDeepgram({ silent: true });
    },
    createProvider: () => new DeepgramSTT({ apiKey: KEY, baseUrl: fake?.url ?? '' }),
    connections: () =>
      (fake?.connections ?? []).map((conn) => ({
        audio: () => conn.binaryBytes(),
        speak: (text: string) =>
          conn.send(results(text, { isFinal: true, speechFinal: true, fromFinalize: false, start: 0, duration: conn.binaryBytes().length / (format.sampleRate * (format.encoding === 'pcm16' ? 2 : 1)) })),
      })),
  });
}
