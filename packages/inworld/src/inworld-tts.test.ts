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
import { InworldTTS, TTS } from './index.js';

interface Hit {
  readonly body: Record<string, unknown>;
  readonly headers: IncomingHttpHeaders;
  closed: boolean;
  /** Resolves when the exchange is over (response sent, or the client went away). */
  readonly done: Promise<void>;
}
type Reply = (res: FakeHttpResponse, hit: Hit, n: number) => void;

const AUDIO = Buffer.from(Array.from({ length: 3200 }, (_, i) => (i * 31 + 7) & 0xff));
const SIZES = [1, 3, 64, 2, 7, 500, 33, 1000, 4096];
const ENCODINGS = ['MP3', 'PCM', 'WAV', 'LINEAR16', 'OGG_OPUS'];
const PCM_SIZES = [333, 1, 500, 17, 1000, 99];
const KEY = 'dGVzdDp0ZXN0';

let fake: FakeHttpServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Loopback `POST /tts/v1/voice:stream` that rejects what Inworld rejects, then runs `reply`. */
async function fakeInworld(reply: Reply): Promise<{ url: string; hits: Hit[]; requests: () => number }> {
  const hits: Hit[] = [];
  fake = await FakeHttpServer.start((req, res) => {
    const error = (status: number, code: number, message: string) => res.json(status, { code, message, details: [] });
    if (req.method !== 'POST' || req.path !== '/tts/v1/voice:stream') return error(404, 5, 'not found');
    if (req.headers.authorization !== `Basic ${KEY}`) return error(401, 16, 'unauthenticated');
    if (req.headers['content-type'] !== 'application/json') return error(400, 3, 'bad content type');
    let body: Record<string, unknown>;
    try {
      body = req.json();
    } catch {
      return error(400, 3, 'invalid json');
    }
    const audio = body.audioConfig as Record<string, unknown> | undefined;
    if (typeof body.text !== 'string' || typeof body.voiceId !== 'string' || typeof body.modelId !== 'string') return error(400, 3, 'missing field');
    if (!audio || !ENCODINGS.includes(audio.audioEncoding as string) || !Number.isInteger(audio.sampleRateHertz)) return error(400, 3, 'bad audioConfig');
    const hit: Hit = { body, headers: req.headers, closed: false, done: req.clientClosed };
    void req.clientClosed.then(() => (hit.closed = req.clientAborted));
    hits.push(hit);
    reply(res, hit, hits.length);
  });
  const server = fake;
  return { url: fake.url, hits, requests: () => server.requests.length };
}

/** Inworld-style NDJSON: each chunk's audio has its own WAV header (LINEAR16), lines cut at odd byte offsets. */
function ndjson(audio: Uint8Array = AUDIO, extra: string[] = []): string {
  const lines: string[] = [];
  for (let offset = 0, i = 0; offset < audio.length; i++) {
    const size = PCM_SIZES[i % PCM_SIZES.length] as number;
    const wav = encodeWav(audio.subarray(offset, offset + size), { sampleRate: 16000, channels: 1 });
    offset += size;
    const timestamps = i === 1 ? ',"timestampInfo":{"wordAlignment":{"words":["Hello"],"wordStartTimeSeconds":[0.03],"wordEndTimeSeconds":[0.35]}}' : '';
    lines.push(`{"result":{"audioContent":"${Buffer.from(wav).toString('base64')}"${timestamps}}}`);
    if (i === 2) lines.push(...extra);
  }
  return lines.join('\n') + '\n';
}

function streamLines(res: FakeHttpResponse, text: string, delayMs = 0): Promise<void> {
  return res.stream({ headers: { 'content-type': 'application/json' }, chunks: irregularChunks(Buffer.from(text), SIZES), delayMs });
}

describe('InworldTTS', () => {
  it('sends the request for the defaults and yields the fake audio: headers stripped, sample-aligned, complete', async () => {
    const fake = await fakeInworld((res) => void streamLines(res, ndjson()));
    const tts = new InworldTTS({ apiKey: KEY, baseUrl: fake.url });
    const usage: TTSUsage[] = [];
    const chunks = await collectAll(tts.synthesize('Hello there.', { onUsage: (u) => usage.push(u) }));
    expect(fake.hits[0]?.body).toEqual({
      text: 'Hello there.',
      voiceId: 'Ashley',
      modelId: 'inworld-tts-2',
      audioConfig: { audioEncoding: 'LINEAR16', sampleRateHertz: 16000, bitRate: 64000, speakingRate: 1 },
    });
    expect(chunks.every((c) => c.length > 0 && c.length % 2 === 0)).toBe(true);
    expect(Buffer.concat(chunks)).toEqual(AUDIO);
    expect(usage).toEqual([{ characters: 12 }]);
    expect(tts.key).toBe('inworld');
    expect(tts.outputFormats[0]).toEqual(PCM16_16K);
  });

  it('sends the chosen options and the session-chosen rate', async () => {
    const fake = await fakeInworld((res) => void streamLines(res, ndjson()));
    const tts = new InworldTTS({ apiKey: KEY, baseUrl: fake.url, voice: 'Dennis', temperature: 0.7, speakingRate: 1.2, deliveryMode: 'BALANCED', language: 'en-US' });
    await collectAll(tts.synthesize('Hi.', { format: PCM16_8K }));
    expect(fake.hits[0]?.body).toEqual({
      text: 'Hi.',
      voiceId: 'Dennis',
      modelId: 'inworld-tts-2',
      audioConfig: { audioEncoding: 'LINEAR16', sampleRateHertz: 8000, bitRate: 64000, speakingRate: 1.2 },
      temperature: 0.7,
      deliveryMode: 'BALANCED',
      language: 'en-US',
    });
    await expect(collectAll(tts.synthesize('Hi.', { format: MULAW_8K }))).rejects.toBeInstanceOf(ConfigError);
  });

  it('logs and skips malformed NDJSON lines; the audio stays complete', async () => {
    const fake = await fakeInworld((res) => void streamLines(res, ndjson(AUDIO, ['{"result":{"audioContent":', 'not json', '', '42'])));
    const warnings: Record<string, unknown>[] = [];
    const logger: Logger = { ...silentLogger, warn: (f, m) => void warnings.push({ ...f, m }) };
    const tts = new InworldTTS({ apiKey: KEY, baseUrl: fake.url, logger });
    expect(Buffer.concat(await collectAll(tts.synthesize('Hi.')))).toEqual(AUDIO);
    expect(warnings.map((w) => w.m)).toEqual(Array(3).fill('inworld sent a malformed stream line; skipped'));
    expect(JSON.stringify(warnings)).not.toContain('not json');
  });

  it('an error line before audio: RESOURCE_EXHAUSTED is retried, INVALID_ARGUMENT fails with its message', async () => {
    const fake = await fakeInworld((res, _hit, n) => {
      if (n === 1) void streamLines(res, '{"error":{"code":8,"message":"quota","details":[]}}\n');
      else if (n === 2) void streamLines(res, ndjson());
      else void streamLines(res, '{"error":{"code":3,"message":"Unknown voice: Bogus","details":[]}}\n');
    });
    const tts = new InworldTTS({ apiKey: KEY, baseUrl: fake.url, logger: silentLogger });
    expect(Buffer.concat(await collectAll(tts.synthesize('Hi.')))).toEqual(AUDIO);
    expect(fake.hits).toHaveLength(2);
    const error = await collectAll(tts.synthesize('Hi.')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderStatusError);
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect((error as Error).message).toContain('Unknown voice: Bogus');
    expect(fake.hits).toHaveLength(3);
  });

  it('an error line (INTERNAL) after audio began throws TTSStreamError with status 500, with no retry', async () => {
    const first = ndjson(AUDIO.subarray(0, 333));
    const fake = await fakeInworld((res) => void streamLines(res, `${first}{"error":{"code":13,"message":"internal","details":[]}}\n`));
    const tts = new InworldTTS({ apiKey: KEY, baseUrl: fake.url, logger: silentLogger });
    const seen: Uint8Array[] = [];
    const error = await (async () => {
      for await (const chunk of tts.synthesize('Hi.')) seen.push(chunk);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TTSStreamError);
    expect(error).toMatchObject({ provider: 'inworld', retryable: false, bytesEmitted: 332, status: 500 });
    expect(Buffer.concat(seen)).toEqual(AUDIO.subarray(0, 332));
    expect(fake.hits).toHaveLength(1);
  });

  it('validates options at construction', () => {
    expect(() => new InworldTTS({ apiKey: 'k', sampleRate: 4000 })).toThrow(/sampleRate/);
    expect(() => new InworldTTS({ apiKey: 'k', speakingRate: 3 })).toThrow(/speakingRate/);
    expect(() => new InworldTTS({ apiKey: 'k', temperature: 0 })).toThrow(/temperature/);
    expect(() => new InworldTTS({ apiKey: 'k', deliveryMode: 'LOUD' as 'STABLE' })).toThrow(/deliveryMode/);
    expect(() => new InworldTTS({ apiKey: 'k', model: 'inworld-tts-1.5-max', deliveryMode: 'STABLE' })).toThrow(/deliveryMode/);
    expect(InworldTTS.forTwilio({ apiKey: 'k' }).outputFormats).toEqual([PCM16_8K]);
    expect(InworldTTS.forTelnyx({ apiKey: 'k' }).outputFormats).toEqual([PCM16_8K]);
    // What the session does on a Telnyx call (PCMU or PCMA 8 kHz): pick the TTS format nearest the carrier's; no resampling.
    for (const carrier of [MULAW_8K, ALAW_8K]) {
      const chosen = negotiateFormat(carrier, InworldTTS.forTelnyx({ apiKey: 'k' }).outputFormats).target;
      expect(conversionChain(chosen, carrier).filter((step) => step.kind === 'resample')).toEqual([]);
    }
  });

  it('registers as "inworld" and exports the namespaced factory', () => {
    expect(createTTS('inworld', { apiKey: 'k' })).toBeInstanceOf(InworldTTS);
    expect(TTS({ apiKey: 'k' })).toBeInstanceOf(InworldTTS);
  });
});

// The HTTP-TTS transport behaviours (abort, 401 naming the key, 429 retried, a cut stream, a
// malformed error body, warmup, the env var), with the audio carried the Inworld way: NDJSON lines.
describeHttpTTSBehaviour({
  name: 'InworldTTS',
  provider: 'inworld',
  envVar: 'INWORLD_API_KEY',
  apiKey: KEY,
  serve: (reply) => fakeInworld((res, _hit, n) => reply(res, n)),
  create: (options) => new InworldTTS(options),
  createFromEnv: () => new InworldTTS(),
  responseBody: (audio) => Buffer.from(ndjson(audio)),
});

let conformance: Awaited<ReturnType<typeof fakeInworld>>;
describeTTSConformance({
  name: 'InworldTTS',
  createProvider: () => new InworldTTS({ apiKey: KEY, baseUrl: conformance.url, logger: silentLogger }),
  expectedAudio: textAudio,
  lastRequestClosed: () => exchangeClosedByClient(conformance.hits.at(-1)),
  beforeEach: async () => {
    conformance = await fakeInworld((res, hit) => {
      const text = String(hit.body.text);
      void streamLines(res, ndjson(textAudio(text)), text.length > 60 ? 5 : 0);
    });
  },
});
