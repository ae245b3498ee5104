import type { IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeHttpServer, type FakeHttpResponse, irregularChunks, textAudio, collectAll, exchangeClosedByClient } from '@patter/testing';
import { describeHttpTTSBehaviour, describeTTSConformance } from '@patter/testing/vitest';
import {
  ALAW_8K,
  ConfigError,
  MULAW_8K,
  PCM16_16K,
  PCM16_48K,
  PCM16_8K,
  ProviderAuthError,
  ProviderStatusError,
  createTTS,
  type Logger,
  type TTSUsage,
  silentLogger,
} from '@patter/core';
import { TTSStreamError, conversionChain, negotiateFormat } from '@patter/core/plugin';
import { RimeTTS, TTS } from './index.js';

interface Hit {
  readonly body: Record<string, unknown>;
  readonly headers: IncomingHttpHeaders;
  closed: boolean;
  /** Resolves when the exchange is over (response sent, or the client went away). */
  readonly done: Promise<void>;
}
type Reply = (res: FakeHttpResponse, hit: Hit, n: number) => void;

const AUDIO = Buffer.from(Array.from({ length: 3200 }, (_, i) => (i * 31 + 7) & 0xff));
const ACCEPTS = ['audio/L16', 'audio/pcm', 'audio/PCMU', 'audio/x-mulaw', 'audio/mpeg', 'audio/wav'];

let fake: FakeHttpServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Loopback `POST /v1/rime-tts` that rejects what Rime rejects (Accept picks the format), then runs `reply`. */
async function fakeRime(reply: Reply): Promise<{ url: string; hits: Hit[]; requests: () => number }> {
  const hits: Hit[] = [];
  fake = await FakeHttpServer.start((req, res) => {
    const error = (status: number, message: string) => res.json(status, { message });
    if (req.method !== 'POST' || req.path !== '/v1/rime-tts') return error(404, 'not found');
    if (req.headers.authorization !== 'Bearer test-key') return error(401, 'unauthorized');
    if (req.headers['content-type'] !== 'application/json') return error(400, 'bad content type');
    if (!ACCEPTS.includes(String(req.headers.accept))) return error(400, 'unsupported accept');
    let body: Record<string, unknown>;
    try {
      body = req.json();
    } catch {
      return error(400, 'invalid json');
    }
    if (typeof body.speaker !== 'string' || typeof body.text !== 'string' || typeof body.modelId !== 'string') return error(400, 'missing field');
    if (typeof body.samplingRate !== 'number') return error(400, 'bad samplingRate');
    if (body.modelId !== 'coda' && body.modelId !== 'mistv2' && body.modelId !== 'mist') return error(400, 'unknown model');
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

describe('RimeTTS', () => {
  it('sends the HTTP fixture request ("Hello there.", coda) and yields the fake audio, sample-aligned and complete', async () => {
    const fake = await fakeRime((res) => void streamIrregular(res));
    const tts = new RimeTTS({ apiKey: 'test-key', baseUrl: fake.url });
    const usage: TTSUsage[] = [];
    const chunks = await collectAll(tts.synthesize('Hello there.', { onUsage: (u) => usage.push(u) }));
    expect(fake.hits[0]?.headers.accept).toBe('audio/L16');
    expect(fake.hits[0]?.body).toEqual({ speaker: 'luna', text: 'Hello there.', modelId: 'coda', lang: 'eng', samplingRate: 16000 });
    expect(chunks.every((c) => c.length > 0 && c.length % 2 === 0)).toBe(true);
    expect(Buffer.concat(chunks)).toEqual(AUDIO);
    expect(usage).toEqual([{ characters: 12 }]);
    expect(tts.key).toBe('rime');
    expect(tts.outputFormats[0]).toEqual(PCM16_16K);
  });

  it('asks for headerless μ-law (Accept audio/PCMU, 8 kHz) when the session wants it; speedAlpha as given', async () => {
    const ulaw = AUDIO.subarray(0, 801);
    const fake = await fakeRime((res) => void streamIrregular(res, ulaw));
    const tts = new RimeTTS({ apiKey: 'test-key', baseUrl: fake.url, model: 'mistv2', speedAlpha: 0.9, reduceLatency: true, speaker: 'cove' });
    const chunks = await collectAll(tts.synthesize('Hi.', { format: MULAW_8K }));
    expect(fake.hits[0]?.headers.accept).toBe('audio/PCMU');
    expect(fake.hits[0]?.body).toEqual({ speaker: 'cove', text: 'Hi.', modelId: 'mistv2', lang: 'eng', samplingRate: 8000, speedAlpha: 0.9, reduceLatency: true });
    expect(Buffer.concat(chunks)).toEqual(ulaw);
    await expect(collectAll(tts.synthesize('Hi.', { format: PCM16_48K }))).rejects.toBeInstanceOf(ConfigError);
  });

  it('arcana is accepted with a retirement warning; options that a model does not take fail at construction', () => {
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_f, m) => void warnings.push(m) };
    new RimeTTS({ apiKey: 'k', model: 'arcana', timeScaleFactor: 1.2, logger });
    expect(warnings).toEqual(["rime model 'arcana' was retired on 2026-08-15; use 'coda'"]);
    expect(() => new RimeTTS({ apiKey: 'k', model: 'arcana', speedAlpha: 1.1, logger })).toThrow(/speedAlpha/);
    expect(() => new RimeTTS({ apiKey: 'k', model: 'mistv2', timeScaleFactor: 1.1 })).toThrow(/timeScaleFactor/);
    expect(() => new RimeTTS({ apiKey: 'k', model: 'coda', reduceLatency: true })).toThrow(/reduceLatency/);
    expect(() => new RimeTTS({ apiKey: 'k', sampleRate: 11025 })).toThrow(/sampleRate/);
    expect(new RimeTTS({ apiKey: 'k', model: 'mist' })).toBeInstanceOf(RimeTTS);
  });

  it('forTwilio/forTelnyx pin 8 kHz (what both carriers play)', () => {
    expect(RimeTTS.forTwilio({ apiKey: 'k' }).outputFormats).toEqual([PCM16_8K, MULAW_8K]);
    expect(RimeTTS.forTelnyx({ apiKey: 'k' }).outputFormats).toEqual([PCM16_8K, MULAW_8K]);
    // What the session does on a Telnyx call (PCMU or PCMA 8 kHz): pick the TTS format nearest the carrier's; no resampling.
    for (const carrier of [MULAW_8K, ALAW_8K]) {
      const chosen = negotiateFormat(carrier, RimeTTS.forTelnyx({ apiKey: 'k' }).outputFormats).target;
      expect(conversionChain(chosen, carrier).filter((step) => step.kind === 'resample')).toEqual([]);
    }
  });

  it('registers as "rime" and exports the namespaced factory', () => {
    expect(createTTS('rime', { apiKey: 'k' })).toBeInstanceOf(RimeTTS);
    expect(TTS({ apiKey: 'k' })).toBeInstanceOf(RimeTTS);
  });
});

describeHttpTTSBehaviour({
  name: 'RimeTTS',
  provider: 'rime',
  envVar: 'RIME_API_KEY',
  serve: (reply) => fakeRime((res, _hit, n) => reply(res, n)),
  create: (options) => new RimeTTS(options),
  createFromEnv: () => new RimeTTS(),
});

let conformance: Awaited<ReturnType<typeof fakeRime>>;
describeTTSConformance({
  name: 'RimeTTS',
  createProvider: () => new RimeTTS({ apiKey: 'test-key', baseUrl: conformance.url, logger: silentLogger }),
  expectedAudio: textAudio,
  lastRequestClosed: () => exchangeClosedByClient(conformance.hits.at(-1)),
  beforeEach: async () => {
    conformance = await fakeRime((res, hit) => {
      const text = String(hit.body.text);
      void res.stream({ chunks: irregularChunks(textAudio(text)), delayMs: text.length > 60 ? 5 : 0 });
    });
  },
});
