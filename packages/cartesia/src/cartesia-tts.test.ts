import type { IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeHttpServer, type FakeHttpResponse, irregularChunks, textAudio, collectAll, exchangeClosedByClient } from '@patter/testing';
import { describeHttpTTSBehaviour, describeTTSConformance } from '@patter/testing/vitest';
import {
  ALAW_8K,
  ConfigError,
  MULAW_8K,
  PCM16_16K,
  PCM16_8K,
  ProviderAuthError,
  ProviderStatusError,
  createTTS,
  type Logger,
  type TTSUsage,
  silentLogger,
} from '@patter/core';
import { TTSStreamError, conversionChain, negotiateFormat } from '@patter/core/plugin';
import { CartesiaTTS, TTS } from './index.js';

interface Hit {
  readonly body: Record<string, unknown>;
  readonly headers: IncomingHttpHeaders;
  closed: boolean;
  /** Resolves when the exchange is over (response sent, or the client went away). */
  readonly done: Promise<void>;
}
type Reply = (res: FakeHttpResponse, hit: Hit, n: number) => void;

const AUDIO = Buffer.from(Array.from({ length: 3200 }, (_, i) => (i * 31 + 7) & 0xff));
const ENCODINGS = ['pcm_s16le', 'pcm_f32le', 'pcm_mulaw', 'pcm_alaw'];
const RATES = [8000, 16000, 22050, 24000, 44100, 48000];
const VOICE = 'f786b574-daa5-4673-aa0c-cbe3e8534c02';

let fake: FakeHttpServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Loopback `POST /tts/bytes` (version 2026-03-01) that rejects what Cartesia rejects, then runs `reply`. */
async function fakeCartesia(reply: Reply): Promise<{ url: string; hits: Hit[]; requests: () => number }> {
  const hits: Hit[] = [];
  fake = await FakeHttpServer.start((req, res) => {
    const error = (status: number, title: string) => res.json(status, { title, message: title, error_code: title, status_code: status });
    if (req.method !== 'POST' || req.path !== '/tts/bytes') return error(404, 'not_found');
    if (req.headers.authorization !== 'Bearer test-key') return error(401, 'unauthorized');
    if (req.headers['cartesia-version'] !== '2026-03-01') return error(400, 'invalid_version');
    if (req.headers['content-type'] !== 'application/json') return error(400, 'bad_content_type');
    let body: Record<string, unknown>;
    try {
      body = req.json();
    } catch {
      return error(400, 'invalid_json');
    }
    const out = body.output_format as Record<string, unknown> | undefined;
    const voice = body.voice as Record<string, unknown> | undefined;
    if (typeof body.model_id !== 'string' || typeof body.transcript !== 'string' || voice?.mode !== 'id' || typeof voice.id !== 'string') return error(400, 'missing_field');
    if ('context_id' in body || 'continue' in body) return error(400, 'unknown_field');
    if (out?.container !== 'raw' || !ENCODINGS.includes(out.encoding as string) || !RATES.includes(out.sample_rate as number)) return error(400, 'invalid_output_format');
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

describe('CartesiaTTS', () => {
  it('sends the /tts/bytes request for the defaults and yields the fake audio, sample-aligned and complete', async () => {
    const fake = await fakeCartesia((res) => void streamIrregular(res));
    const tts = new CartesiaTTS({ apiKey: 'test-key', baseUrl: fake.url });
    const usage: TTSUsage[] = [];
    const chunks = await collectAll(tts.synthesize('Hello there.', { onUsage: (u) => usage.push(u) }));
    expect(fake.hits[0]?.body).toEqual({
      model_id: 'sonic-3',
      voice: { mode: 'id', id: VOICE },
      language: 'en',
      transcript: 'Hello there.',
      output_format: { container: 'raw', encoding: 'pcm_s16le', sample_rate: 16000 },
    });
    expect(chunks.every((c) => c.length > 0 && c.length % 2 === 0)).toBe(true);
    expect(Buffer.concat(chunks)).toEqual(AUDIO);
    expect(usage).toEqual([{ characters: 12 }]);
    expect(tts.key).toBe('cartesia_tts');
    expect(tts.outputFormats[0]).toEqual(PCM16_16K);
  });

  it('asks for μ-law / A-law 8 kHz when the session wants it; speed goes in generation_config', async () => {
    const g711 = AUDIO.subarray(0, 801);
    const fake = await fakeCartesia((res) => void streamIrregular(res, g711));
    const tts = CartesiaTTS.forTwilio({ apiKey: 'test-key', baseUrl: fake.url, speed: 1.2, language: 'es', voice: 'v-1' });
    expect(tts.outputFormats).toEqual([PCM16_8K, MULAW_8K, ALAW_8K]);
    expect(Buffer.concat(await collectAll(tts.synthesize('Hola.', { format: MULAW_8K })))).toEqual(g711);
    await collectAll(tts.synthesize('Hola.', { format: ALAW_8K }));
    expect(fake.hits[0]?.body).toEqual({
      model_id: 'sonic-3',
      voice: { mode: 'id', id: 'v-1' },
      language: 'es',
      generation_config: { speed: 1.2 },
      transcript: 'Hola.',
      output_format: { container: 'raw', encoding: 'pcm_mulaw', sample_rate: 8000 },
    });
    expect(fake.hits[1]?.body).toMatchObject({ output_format: { container: 'raw', encoding: 'pcm_alaw', sample_rate: 8000 } });
    await expect(collectAll(tts.synthesize('Hola.', { format: PCM16_16K }))).rejects.toBeInstanceOf(ConfigError);
  });

  it('sampleRate is 8000 or 16000; speed 0.6–1.5; speed on older models warns', () => {
    expect(() => new CartesiaTTS({ apiKey: 'k', sampleRate: 24000 as 16000 })).toThrow(/sampleRate/);
    expect(() => new CartesiaTTS({ apiKey: 'k', speed: 2 })).toThrow(/speed/);
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_f, m) => void warnings.push(m) };
    new CartesiaTTS({ apiKey: 'k', model: 'sonic-2', speed: 1.1, logger });
    new CartesiaTTS({ apiKey: 'k', model: 'sonic-3', speed: 1.1, logger });
    expect(warnings).toEqual(['cartesia speed has no effect before sonic-3']);
    expect(CartesiaTTS.forTelnyx({ apiKey: 'k' }).outputFormats).toEqual([PCM16_8K, MULAW_8K, ALAW_8K]);
    // What the session does on a Telnyx call (PCMU or PCMA 8 kHz): pick the TTS format nearest the carrier's; no resampling.
    for (const carrier of [MULAW_8K, ALAW_8K]) {
      const chosen = negotiateFormat(carrier, CartesiaTTS.forTelnyx({ apiKey: 'k' }).outputFormats).target;
      expect(conversionChain(chosen, carrier).filter((step) => step.kind === 'resample')).toEqual([]);
    }
    expect(negotiateFormat(ALAW_8K, CartesiaTTS.forTelnyx({ apiKey: 'k' }).outputFormats).target).toEqual(ALAW_8K); // untouched
  });

  it('registers as "cartesia_tts" and exports the namespaced factory', () => {
    expect(createTTS('cartesia_tts', { apiKey: 'k' })).toBeInstanceOf(CartesiaTTS);
    expect(TTS({ apiKey: 'k' })).toBeInstanceOf(CartesiaTTS);
  });
});

describeHttpTTSBehaviour({
  name: 'CartesiaTTS',
  provider: 'cartesia_tts',
  envVar: 'CARTESIA_API_KEY',
  serve: (reply) => fakeCartesia((res, _hit, n) => reply(res, n)),
  create: (options) => new CartesiaTTS(options),
  createFromEnv: () => new CartesiaTTS(),
});

let conformance: Awaited<ReturnType<typeof fakeCartesia>>;
describeTTSConformance({
  name: 'CartesiaTTS',
  createProvider: () => new CartesiaTTS({ apiKey: 'test-key', baseUrl: conformance.url, logger: silentLogger }),
  expectedAudio: textAudio,
  lastRequestClosed: () => exchangeClosedByClient(conformance.hits.at(-1)),
  beforeEach: async () => {
    conformance = await fakeCartesia((res, hit) => {
      const text = String(hit.body.transcript);
      void res.stream({ chunks: irregularChunks(textAudio(text)), delayMs: text.length > 60 ? 5 : 0 });
    });
  },
});
