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
import * as soniox from './index.js';
import { SonioxSTT } from './index.js';

// ---------------------------------------------------------------------------------------------
// A loopback Soniox `/transcribe-websocket`, as strict as the real one (protocols/stt/soniox.md):
// `Authorization: Bearer <key>`; the first frame must be the JSON config (known model, raw format
// with sample_rate + num_channels, api_key if present must match) else `{error_code, error_message}`
// + close; then binary audio, `keepalive`, `finalize` (→ pending tokens final + `<fin>`), and an
// empty frame (→ `finished: true`, close 1000). Audio carries "words" (20 ms frames filled with a
// word index); a silent frame after words is an endpoint (`<end>`). Tokens: every word but the
// newest is final (sent once); the newest is a non-final tail, re-sent each message.
// ---------------------------------------------------------------------------------------------
const KEY = 'test-key';
const WORDS = ['', 'hello', 'there', 'general', 'kenobi'];
const MODELS = new Set(['stt-rt-v4', 'stt-rt-v5', 'stt-rt-v3']);

interface FakeOptions {
  status?: number;
  /** Raw vendor messages sent after the n-th audio message instead of live tokens. */
  script?: (conn: FakeWebSocketConnection, audioMessages: number) => void;
  /** The first connection answers its n-th audio message with error 503 ("restart the request") and closes. */
  fail503After?: number;
}

const servers: FakeWebSocketServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function fakeSoniox(options: FakeOptions = {}) {
  let accepted = 0;
  const server = await FakeWebSocketServer.start({
    path: '/transcribe-websocket',
    onUpgrade: () => (options.status ? { reject: { status: options.status, body: 'refused' } } : undefined),
    onConnection: (conn) => {
      const ws = conn.socket;
      const connIndex = accepted++;
      const fail = (code: number, message: string) => {
        ws.send(JSON.stringify({ error_code: code, error_message: message }));
        ws.close(1000);
      };
      let config: Record<string, unknown> | undefined;
      let frameBytes = 640;
      let bytesPerMs = 32;
      const audio: number[] = [];
      let finalWords = 0; // words already sent as final
      let finalMs = 0;
      let sentAny = false;
      let messages = 0;
      const words = () => {
        const out: { text: string; startMs: number; endMs: number }[] = [];
        let silentAfter = false;
        for (let i = 0; i < audio.length; i += frameBytes) {
          const word = WORDS[audio[i] ?? 0] ?? '';
          const at = i / bytesPerMs;
          const last = out[out.length - 1];
          if (!word) silentAfter = out.length > 0;
          else if (last?.text === word && !silentAfter) last.endMs = at + 20;
          else {
            out.push({ text: word, startMs: at, endMs: at + 20 });
            silentAfter = false;
          }
        }
        return { out, endpoint: silentAfter };
      };
      const token = (w: { text: string; startMs: number; endMs: number }, isFinal: boolean) => {
        const text = (sentAny ? ' ' : '') + w.text;
        return { text, start_ms: w.startMs, end_ms: w.endMs, confidence: 0.9, is_final: isFinal, language: 'en' };
      };
      const emit = (finalizeAll: boolean, marker?: '<end>' | '<fin>') => {
        const { out, endpoint } = words();
        const settle = finalizeAll || endpoint ? out.length : Math.max(finalWords, out.length - 1);
        const tokens: Record<string, unknown>[] = [];
        for (let i = finalWords; i < settle; i++) {
          tokens.push(token(out[i] as (typeof out)[number], true));
          sentAny = true;
          finalMs = (out[i] as (typeof out)[number]).endMs;
        }
        finalWords = settle;
        for (let i = settle; i < out.length; i++) tokens.push(token(out[i] as (typeof out)[number], false));
        const end = marker ?? (endpoint && settle > 0 && tokens.length > 0 ? '<end>' : undefined);
        if (end) tokens.push({ text: end, is_final: true });
        if (tokens.length === 0) return;
        ws.send(JSON.stringify({ tokens, final_audio_proc_ms: finalMs, total_audio_proc_ms: audio.length / bytesPerMs }));
      };
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (!config) {
          if (isBinary) return fail(400, 'Expected a config message first.');
          try {
            config = JSON.parse(data.toString()) as Record<string, unknown>;
          } catch {
            return fail(400, 'Invalid config JSON.');
          }
          const bearer = conn.headers.authorization === `Bearer ${KEY}`;
          if (!bearer || (config.api_key !== undefined && config.api_key !== KEY)) return fail(401, 'Invalid API key.');
          if (!MODELS.has(String(config.model))) return fail(400, 'Invalid model specified.');
          const format = config.audio_format;
          if (!['pcm_s16le', 'mulaw', 'alaw'].includes(String(format)) || !config.sample_rate || config.num_channels !== 1) {
            return fail(400, 'Invalid audio format.');
          }
          bytesPerMs = (Number(config.sample_rate) * (format === 'pcm_s16le' ? 2 : 1)) / 1000;
          frameBytes = 20 * bytesPerMs;
          return;
        }
        if (isBinary) {
          if (data.byteLength === 0) {
            if (!options.script) emit(true);
            ws.send(JSON.stringify({ tokens: [], final_audio_proc_ms: finalMs, total_audio_proc_ms: finalMs, finished: true }));
            // The close frame comes in a later write than the last message (as over TLS).
            return void setTimeout(() => ws.close(1000), 20);
          }
          for (const byte of data) audio.push(byte);
          messages++;
          if (connIndex === 0 && messages === options.fail503After) {
            return fail(503, 'Cannot continue request (code N). Please restart the request.');
          }
          if (options.script) options.script(conn, messages);
          else emit(false);
          return;
        }
        const type = (JSON.parse(data.toString()) as { type?: string }).type;
        if (type === 'keepalive') return;
        if (type === 'finalize') return emit(true, '<fin>');
        fail(400, 'Unknown message.');
      });
    },
  });
  servers.push(server);
  return server;
}

const FIXTURE = [
  '{"tokens":[{"text":"Hel","start_ms":120,"end_ms":240,"confidence":0.81,"is_final":false,"language":"en"}],"final_audio_proc_ms":0,"total_audio_proc_ms":480}',
  '{"tokens":[{"text":"Hello","start_ms":120,"end_ms":420,"confidence":0.96,"is_final":true,"language":"en"},{"text":" there","start_ms":480,"end_ms":760,"confidence":0.87,"is_final":false,"language":"en"}],"final_audio_proc_ms":440,"total_audio_proc_ms":960}',
  '{"tokens":[{"text":" there","start_ms":480,"end_ms":840,"confidence":0.97,"is_final":true,"language":"en"},{"text":"<end>","is_final":true}],"final_audio_proc_ms":1360,"total_audio_proc_ms":1360}',
];

const frame = (word: string, bytes = 640) => new Uint8Array(bytes).fill(WORDS.indexOf(word));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const collect = collectAll<Transcript>;
const bytesOn = (fake: FakeWebSocketServer, i: number) => fake.connections[i]?.binaryBytes().length ?? 0;

describe('SonioxSTT', () => {
  it('sends the documented config first, with the Bearer header', async () => {
    const fake = await fakeSoniox();
    const stream = new SonioxSTT({ apiKey: KEY, baseUrl: fake.url }).stream({ format: PCM16_16K, callId: 'call-1' });
    await until(() => (fake.connections[0]?.textMessages().length ?? 0) === 1);
    expect(fake.connections[0]?.headers.authorization).toBe('Bearer test-key');
    expect(fake.connections[0]?.jsonMessages()[0]).toEqual({
      api_key: KEY,
      model: 'stt-rt-v4',
      audio_format: 'pcm_s16le',
      sample_rate: 16000,
      num_channels: 1,
      enable_language_identification: true,
      enable_speaker_diarization: false,
      enable_endpoint_detection: true,
      max_endpoint_delay_ms: 500,
      client_reference_id: 'call-1',
    });
    await stream.close();
  });

  it('sends language hints (strict), diarization and context; the final carries speaker and language', async () => {
    const fake = await fakeSoniox({
      script: (conn, n) => {
        if (n !== 1) return;
        void conn.send({
          tokens: [
            { text: 'Hola', start_ms: 100, end_ms: 400, confidence: 0.9, is_final: true, language: 'es', speaker: '2' },
            { text: ' amigo', start_ms: 450, end_ms: 800, confidence: 0.8, is_final: true, language: 'es', speaker: '2' },
            { text: '<end>', is_final: true },
          ],
          final_audio_proc_ms: 900,
          total_audio_proc_ms: 900,
        });
      },
    });
    const stt = new SonioxSTT({
      apiKey: KEY,
      baseUrl: fake.url,
      languageHints: ['en', 'es'],
      languageHintsStrict: true,
      diarization: true,
      context: { terms: ['Acme'], text: 'restaurant bookings' },
      keyInConfig: false,
    });
    const stream = stt.stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    stream.sendAudio(frame('hello'));
    await until(() => bytesOn(fake, 0) === 640);
    await sleep(30);
    await stream.close();
    expect(fake.connections[0]?.jsonMessages()[0]).toEqual({
      model: 'stt-rt-v4',
      audio_format: 'pcm_s16le',
      sample_rate: 16000,
      num_channels: 1,
      language_hints: ['en', 'es'],
      language_hints_strict: true,
      enable_language_identification: true,
      enable_speaker_diarization: true,
      enable_endpoint_detection: true,
      max_endpoint_delay_ms: 500,
      context: { terms: ['Acme'], text: 'restaurant bookings' },
    });
    const finals = (await all).filter((t) => t.isFinal);
    expect(finals).toEqual([
      { text: 'Hola amigo', isFinal: true, speechFinal: true, fromFinalize: false, eventType: 'Results', confidence: (0.9 + 0.8) / 2, language: 'es', speaker: '2' },
    ]);
  });

  it('turns the fixture token stream into interims and one final at <end>', async () => {
    const fake = await fakeSoniox({
      script: (conn, n) => {
        if (n === 1) for (const m of FIXTURE) void conn.send(m);
      },
    });
    const stream = soniox.STT({ apiKey: KEY, baseUrl: fake.url }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    stream.sendAudio(frame('hello'));
    await until(() => bytesOn(fake, 0) === 640);
    await sleep(50);
    await stream.close();
    const base = { speechFinal: false, fromFinalize: false, eventType: 'Results', language: 'en' };
    expect(await all).toEqual([
      { text: '', isFinal: false, speechFinal: false, confidence: 0, fromFinalize: false, eventType: 'SpeechStarted' },
      { ...base, text: 'Hel', isFinal: false, confidence: 0.81 },
      { ...base, text: 'Hello there', isFinal: false, confidence: (0.96 + 0.87) / 2 },
      { ...base, text: 'Hello there', isFinal: true, speechFinal: true, confidence: (0.96 + 0.97) / 2 },
    ]);
    const finals = (await all).filter((t) => t.isFinal);
    expect(finals).toHaveLength(1);
  });

  it('finalize() → <fin> → a fromFinalize final; keepalive while idle; close sends an empty frame', async () => {
    const fake = await fakeSoniox();
    const stream = new SonioxSTT({ apiKey: KEY, baseUrl: fake.url, keepAliveIntervalMs: 1000 }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    stream.sendAudio(frame('general'));
    stream.sendAudio(frame('kenobi'));
    stream.finalize();
    await until(() => fake.connections[0]?.textMessages().includes('{"type":"finalize"}') ?? false);
    await sleep(2100);
    await stream.close();
    const finals = (await all).filter((t) => t.isFinal);
    expect(finals.map((t) => [t.text, t.fromFinalize, t.speechFinal])).toEqual([['general kenobi', true, true]]);
    const texts = fake.connections[0]?.textMessages().slice(1) ?? [];
    expect(texts[0]).toBe('{"type":"finalize"}');
    expect(texts.slice(1).length).toBeGreaterThanOrEqual(1);
    expect(new Set(texts.slice(1))).toEqual(new Set(['{"type":"keepalive"}']));
    const binaries = fake.connections[0]?.binaryMessages() ?? [];
    expect(binaries[binaries.length - 1]?.byteLength).toBe(0);
    expect((await fake.connections[0]?.closed)?.code).toBe(1000);
  });

  it('an endpoint in live audio yields one final per turn', async () => {
    const fake = await fakeSoniox();
    const stream = new SonioxSTT({ apiKey: KEY, baseUrl: fake.url }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    await until(() => fake.connections.length === 1);
    for (const w of ['hello', 'hello', 'there', '', 'general', 'kenobi', '']) {
      stream.sendAudio(frame(w));
      await sleep(5);
    }
    await until(() => bytesOn(fake, 0) === 7 * 640);
    await sleep(30);
    await stream.close();
    expect((await all).filter((t) => t.isFinal).map((t) => t.text)).toEqual(['hello there', 'general kenobi']);
  });

  it('a drop after a final token replays only the audio after it (the non-final tail) and loses no words', async () => {
    const fake = await fakeSoniox();
    const stream = new SonioxSTT({ apiKey: KEY, baseUrl: fake.url }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    await until(() => fake.connections.length === 1);
    stream.sendAudio(frame('hello'));
    await sleep(5);
    stream.sendAudio(frame('there')); // "hello" final, "there" a non-final tail
    await until(() => bytesOn(fake, 0) === 2 * 640);
    await sleep(20);
    void fake.connections[0]?.terminate();
    stream.sendAudio(frame('kenobi'));
    await until(() => bytesOn(fake, 1) === 2 * 640); // "there" replayed, then "kenobi"
    stream.finalize();
    await until(() => fake.connections[1]?.textMessages().includes('{"type":"finalize"}') ?? false);
    await sleep(30);
    await stream.close();
    expect((await all).filter((t) => t.isFinal).map((t) => t.text)).toEqual(['hello there kenobi']);
    expect(fake.upgrades).toHaveLength(2);
  });

  it('error 503 ("restart the request") mid-utterance reconnects and loses no words', async () => {
    const fake = await fakeSoniox({ fail503After: 2 });
    const stream = new SonioxSTT({ apiKey: KEY, baseUrl: fake.url }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    await until(() => fake.connections.length === 1);
    stream.sendAudio(frame('general'));
    await sleep(5);
    stream.sendAudio(frame('kenobi')); // "general" is only a non-final tail; "kenobi" is answered with 503
    await until(() => fake.connections.length === 2);
    await until(() => bytesOn(fake, 1) >= 640);
    stream.finalize();
    await until(() => fake.connections[1]?.textMessages().includes('{"type":"finalize"}') ?? false);
    await sleep(30);
    await stream.close();
    expect((await all).filter((t) => t.isFinal).map((t) => t.text)).toEqual(['general kenobi']);
    expect(fake.upgrades).toHaveLength(2);
  });

  it('passes μ-law 8 kHz through untouched (forTwilio)', async () => {
    const fake = await fakeSoniox();
    const stt = SonioxSTT.forTwilio({ apiKey: KEY, baseUrl: fake.url });
    expect(stt.inputFormats).toEqual([MULAW_8K]);
    const stream = stt.stream({ format: MULAW_8K });
    stream.sendAudio(frame('general', 160));
    await until(() => bytesOn(fake, 0) === 160);
    expect(fake.connections[0]?.jsonMessages()[0]).toMatchObject({ audio_format: 'mulaw', sample_rate: 8000 });
    expect(fake.connections[0]?.binaryMessages()[0]).toEqual(frame('general', 160));
    await stream.close();
  });

  it('an invalid model fails typed, not retried', async () => {
    const fake = await fakeSoniox();
    const bad = new SonioxSTT({ apiKey: KEY, baseUrl: fake.url, model: 'nope' }).stream({ format: PCM16_16K });
    const error = await collect(bad.transcripts()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderStatusError);
    expect(error).toMatchObject({ status: 400, retryable: false, provider: 'soniox' });
    expect(fake.upgrades).toHaveLength(1);
  });

  it('validates options at construction and registers', () => {
    expect(() => new SonioxSTT({ apiKey: KEY, maxEndpointDelayMs: 100 })).toThrow(ConfigError);
    expect(() => new SonioxSTT({ apiKey: KEY, languageHintsStrict: true })).toThrow(/languageHints/);
    const saved = process.env.SONIOX_API_KEY;
    delete process.env.SONIOX_API_KEY;
    try {
      expect(() => new SonioxSTT()).toThrow(/SONIOX_API_KEY/);
    } finally {
      if (saved !== undefined) process.env.SONIOX_API_KEY = saved;
    }
    expect(createSTT('soniox', { apiKey: KEY })).toBeInstanceOf(SonioxSTT);
  });

});

// The WebSocket-STT behaviours every such plugin shares (unknown option, refused key: Soniox answers
// a bad key in-band, bad messages, a dropped socket, call end, warmup, keep-alive), against the same fake.
describeWebSocketSTTBehaviour({
  name: 'SonioxSTT',
  provider: 'soniox',
  envVar: 'SONIOX_API_KEY',
  serve: (options) => fakeSoniox(options?.refuseStatus ? { status: options.refuseStatus } : {}),
  create: (options) => new SonioxSTT(options),
  frame: (word) => frame(word),
  misspelledOption: ['languageHint', 'languageHints'],
  malformedMessage: '{"tokens":[',
  unknownMessage: '{"type":"mystery"}',
  callEnd: { sent: (conn) => conn.binaryMessages().at(-1)?.byteLength, expected: 0 },
  keepAlive: { create: (options) => new SonioxSTT({ ...options, keepAliveIntervalMs: 1000 }), intervalMs: 1000, message: '{"type":"keepalive"}' },
});

// The shared STT contract (real speech: the fake stays quiet until the suite makes it speak).
for (const format of [PCM16_16K, MULAW_8K]) {
  let fake: FakeWebSocketServer | undefined;
  describeSTTConformance({
    name: `SonioxSTT ${format.encoding}/${format.sampleRate}`,
    format,
    beforeEach: async () => {
      fake = await fakeSoniox({ script: () => {} });
    },
    createProvider: () => new SonioxSTT({ apiKey: KEY, baseUrl: fake?.url ?? '' }),
    connections: () =>
      (fake?.connections ?? []).map((conn) => ({
        audio: () => conn.binaryBytes(),
        speak: (text: string) =>
          conn.send({ tokens: [{ text, is_final: true, confidence: 0.9 }, { text: '<end>', is_final: true }], final_audio_proc_ms: 0, total_audio_proc_ms: 0 }),
      })),
  });
}
