import type { IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeHttpServer, type FakeHttpResponse, irregularChunks, textAudio, collectAll, exchangeClosedByClient } from '@patter/testing';
import { describeHttpTTSBehaviour, describeTTSConformance } from '@patter/testing/vitest';
import {
  ALAW_8K,
  ConfigError,
  MULAW_8K,
  PCM16_16K,
  PCM16_24K,
  PCM16_8K,
  ProviderAuthError,
  ProviderStatusError,
  createTTS,
  type Logger,
  type TTSUsage,
  silentLogger,
} from '@patter/core';
import {
  TTSStreamError,
  conversionChain,
  encodeWav,
  negotiateFormat,
} from '@patter/core/plugin';
import { LmntTTS, TTS } from './index.js';

interface Hit {
  readonly body: Record<string, unknown>;
  readonly headers: IncomingHttpHeaders;
  closed: boolean;
  /** Resolves when the exchange is over (response sent, or the client went away). */
  readonly done: Promise<void>;
}
type Reply = (res: FakeHttpResponse, hit: Hit, n: number) => void;

const AUDIO = Buffer.from(Array.from({ length: 3200 }, (_, i) => (i * 31 + 7) & 0xff));
const FORMATS = ['mp3', 'ulaw', 'webm', 'pcm_s16le', 'pcm_f32le', 'aac', 'wav'];

let fake: FakeHttpServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Loopback `POST /v1/ai/speech/bytes` (API 1.1) that rejects what LMNT rejects, then runs `reply`. */
async function fakeLmnt(reply: Reply): Promise<{ url: string; hits: Hit[]; requests: () => number }> {
  const hits: Hit[] = [];
  fake = await FakeHttpServer.start((req, res) => {
    const error = (status: number, type: string) => res.json(status, { error: { type, message: type } });
    if (req.method !== 'POST' || req.path !== '/v1/ai/speech/bytes') return error(404, 'not_found_error');
    if (req.headers['x-api-key'] !== 'test-key') return error(401, 'authentication_error');
    if (req.headers['lmnt-version'] !== '1.1') return error(400, 'invalid_request_error');
    if (req.headers['content-type'] !== 'application/json') return error(400, 'invalid_request_error');
    let body: Record<string, unknown>;
    try {
      body = req.json();
    } catch {
      return error(400, 'invalid_request_error');
    }
    const okRate = [8000, 16000, 24000].includes(body.sample_rate as number);
    if (typeof body.voice !== 'string' || typeof body.text !== 'string' || body.model !== 'blizzard') return error(400, 'invalid_request_error');
    if (!FORMATS.includes(body.format as string) || !okRate) return error(400, 'invalid_request_error');
    const hit: Hit = { body, headers: req.headers, closed: false, done: req.clientClosed };
    void req.clientClosed.then(() => (hit.closed = req.clientAborted));
    hits.push(hit);
    reply(res, hit, hits.length);
  });
  const server = fake;
  return { url: fake.url, hits, requests: () => server.requests.length };
}

function streamIrregular(res: FakeHttpResponse, audio: Uint8Array = AUDIO): Promise<void> {
  return res.stream({ headers: { 'content-type': 'application/octet-stream' }, chunks: irregularChunks(audio) });
}

describe('LmntTTS', () => {
  it('sends the 1.1 request (fixture "Hello there.") and yields the fake audio, sample-aligned and complete', async () => {
    const fake = await fakeLmnt((res) => void streamIrregular(res));
    const tts = new LmntTTS({ apiKey: 'test-key', baseUrl: fake.url, language: 'en' });
    const usage: TTSUsage[] = [];
    const chunks = await collectAll(tts.synthesize('Hello there.', { onUsage: (u) => usage.push(u) }));
    expect(fake.hits[0]?.body).toEqual({ voice: 'leah', text: 'Hello there.', model: 'blizzard', format: 'pcm_s16le', sample_rate: 16000, language: 'en' });
    expect(chunks.every((c) => c.length > 0 && c.length % 2 === 0)).toBe(true);
    expect(Buffer.concat(chunks)).toEqual(AUDIO);
    expect(usage).toEqual([{ characters: 12 }]);
    expect(tts.key).toBe('lmnt');
    expect(tts.outputFormats[0]).toEqual(PCM16_16K);
  });

  it('asks for μ-law when the session wants it and strips the WAV header LMNT puts on it', async () => {
    const ulaw = AUDIO.subarray(0, 801);
    const fake = await fakeLmnt((res) => void streamIrregular(res, encodeWav(ulaw, { sampleRate: 8000, channels: 1 })));
    const tts = new LmntTTS({ apiKey: 'test-key', baseUrl: fake.url, temperature: 0.3, topP: 0.5 });
    const chunks = await collectAll(tts.synthesize('Hi.', { format: MULAW_8K }));
    expect(fake.hits[0]?.body).toMatchObject({ format: 'ulaw', sample_rate: 8000, temperature: 0.3, top_p: 0.5 });
    expect(fake.hits[0]?.body).not.toHaveProperty('language');
    expect(Buffer.concat(chunks)).toEqual(ulaw);
    await expect(collectAll(tts.synthesize('Hi.', { format: { encoding: 'alaw', sampleRate: 8000, channels: 1 } }))).rejects.toBeInstanceOf(ConfigError);
  });

  it("accepts format 'raw' as a deprecated alias: warns and sends pcm_s16le", async () => {
    const fake = await fakeLmnt((res) => void streamIrregular(res));
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_f, m) => void warnings.push(m) };
    const tts = new LmntTTS({ apiKey: 'test-key', baseUrl: fake.url, format: 'raw', sampleRate: 24000, logger });
    expect(warnings).toEqual(["lmnt format 'raw' is deprecated; sending 'pcm_s16le'"]);
    expect(tts.outputFormats).toEqual([PCM16_24K]);
    await collectAll(tts.synthesize('Hi.'));
    expect(fake.hits[0]?.body).toMatchObject({ format: 'pcm_s16le', sample_rate: 24000 });
  });

  it('validates options at construction', () => {
    expect(() => new LmntTTS({ apiKey: 'k', sampleRate: 22050 as 16000 })).toThrow(ConfigError);
    expect(() => new LmntTTS({ apiKey: 'k', format: 'mp3' as 'ulaw' })).toThrow(/format/);
    expect(() => new LmntTTS({ apiKey: 'k', format: 'ulaw', sampleRate: 16000 })).toThrow(/sampleRate/);
    expect(LmntTTS.forTwilio({ apiKey: 'k' }).outputFormats).toEqual([MULAW_8K]);
    expect(LmntTTS.forTelnyx({ apiKey: 'k' }).outputFormats).toEqual([MULAW_8K]); // PCMU, the Telnyx default: untouched
    expect(LmntTTS.forTelnyx({ apiKey: 'k', codec: 'PCMA' }).outputFormats).toEqual([PCM16_8K]); // encoded, not resampled
    for (const [codec, carrier] of [['PCMU', MULAW_8K], ['PCMA', ALAW_8K]] as const) {
      const chosen = negotiateFormat(carrier, LmntTTS.forTelnyx({ apiKey: 'k', codec }).outputFormats).target;
      expect(conversionChain(chosen, carrier).filter((step) => step.kind === 'resample')).toEqual([]);
    }
  });

  it('registers as "lmnt" and exports the namespaced factory', () => {
    expect(createTTS('lmnt', { apiKey: 'k' })).toBeInstanceOf(LmntTTS);
    expect(TTS({ apiKey: 'k' })).toBeInstanceOf(LmntTTS);
  });
});

describeHttpTTSBehaviour({
  name: 'LmntTTS',
  provider: 'lmnt',
  envVar: 'LMNT_API_KEY',
  serve: (reply) => fakeLmnt((res, _hit, n) => reply(res, n)),
  create: (options) => new LmntTTS(options),
  createFromEnv: () => new LmntTTS(),
});

let conformance: Awaited<ReturnType<typeof fakeLmnt>>;
describeTTSConformance({
  name: 'LmntTTS',
  createProvider: () => new LmntTTS({ apiKey: 'test-key', baseUrl: conformance.url, logger: silentLogger }),
  expectedAudio: textAudio,
  lastRequestClosed: () => exchangeClosedByClient(conformance.hits.at(-1)),
  beforeEach: async () => {
    conformance = await fakeLmnt((res, hit) => {
      const text = String(hit.body.text);
      void res.stream({ chunks: irregularChunks(textAudio(text)), delayMs: text.length > 60 ? 5 : 0 });
    });
  },
});
