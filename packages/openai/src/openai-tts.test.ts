import type { IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeHttpServer, type FakeHttpResponse, irregularChunks, textAudio, collectAll, exchangeClosedByClient } from '@patter/testing';
import { describeHttpTTSBehaviour, describeTTSConformance } from '@patter/testing/vitest';
import {
  ConfigError,
  MULAW_8K,
  PCM16_24K,
  ProviderAuthError,
  ProviderStatusError,
  StreamIdleTimeoutError,
  createTTS,
  type TTSUsage,
  silentLogger,
} from '@patter/core';
import { TTSStreamError } from '@patter/core/plugin';
import { OpenAITTS, TTS } from './index.js';

interface Hit {
  readonly body: Record<string, unknown>;
  readonly headers: IncomingHttpHeaders;
  closed: boolean;
  /** Resolves when the exchange is over (response sent, or the client went away). */
  readonly done: Promise<void>;
}
type Reply = (res: FakeHttpResponse, hit: Hit, n: number) => void;

const AUDIO = Buffer.from(Array.from({ length: 3200 }, (_, i) => (i * 31 + 7) & 0xff));
const FORMATS = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'];

let fake: FakeHttpServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Loopback `POST /v1/audio/speech` that rejects what OpenAI rejects, then runs `reply`. */
async function fakeOpenAI(reply: Reply): Promise<{ url: string; hits: Hit[]; requests: () => number }> {
  const hits: Hit[] = [];
  fake = await FakeHttpServer.start((req, res) => {
    const error = (status: number, type: string, param: string | null = null) => res.json(status, { error: { message: type, type, param, code: null } });
    if (req.method !== 'POST' || req.path !== '/v1/audio/speech') return error(404, 'invalid_request_error');
    if (req.headers.authorization !== 'Bearer test-key') return error(401, 'invalid_api_key');
    if (req.headers['content-type'] !== 'application/json') return error(400, 'invalid_request_error');
    let body: Record<string, unknown>;
    try {
      body = req.json();
    } catch {
      return error(400, 'invalid_request_error');
    }
    if (typeof body.model !== 'string' || typeof body.input !== 'string' || body.voice === undefined) return error(400, 'invalid_request_error', 'model');
    if ((body.input as string).length > 4096) return error(400, 'invalid_request_error', 'input');
    if (body.response_format !== undefined && !FORMATS.includes(body.response_format as string)) return error(400, 'invalid_request_error', 'response_format');
    if (body.instructions !== undefined && /^tts-1/.test(body.model as string)) return error(400, 'invalid_request_error', 'instructions');
    const hit: Hit = { body, headers: req.headers, closed: false, done: req.clientClosed };
    void req.clientClosed.then(() => (hit.closed = req.clientAborted));
    hits.push(hit);
    reply(res, hit, hits.length);
  });
  const server = fake;
  return { url: `${fake.url}/v1`, hits, requests: () => server.requests.length };
}

function streamIrregular(res: FakeHttpResponse, audio: Uint8Array = AUDIO): Promise<void> {
  return res.stream({ headers: { 'content-type': 'application/octet-stream' }, chunks: irregularChunks(audio) });
}

describe('OpenAITTS', () => {
  it('sends the /v1/audio/speech request for the defaults and yields 24 kHz PCM, sample-aligned and complete', async () => {
    const fake = await fakeOpenAI((res) => void streamIrregular(res));
    const tts = new OpenAITTS({ apiKey: 'test-key', baseUrl: fake.url });
    const usage: TTSUsage[] = [];
    const chunks = await collectAll(tts.synthesize('Hello there.', { onUsage: (u) => usage.push(u) }));
    expect(fake.hits[0]?.body).toEqual({ model: 'tts-1', voice: 'alloy', response_format: 'pcm', input: 'Hello there.' });
    expect(fake.hits[0]?.headers.accept).toBe('application/octet-stream');
    expect(chunks.every((c) => c.length > 0 && c.length % 2 === 0)).toBe(true);
    expect(Buffer.concat(chunks)).toEqual(AUDIO);
    expect(usage).toEqual([{ characters: 12 }]);
    expect(tts.key).toBe('openai_tts');
    expect(tts.outputFormats).toEqual([PCM16_24K]);
    await expect(collectAll(tts.synthesize('Hi.', { format: MULAW_8K }))).rejects.toBeInstanceOf(ConfigError);
  });

  it('sends instructions, speed, custom voices and org/project headers (fixture gpt-4o-mini-tts)', async () => {
    const fake = await fakeOpenAI((res) => void streamIrregular(res));
    const tts = new OpenAITTS({
      apiKey: 'test-key', baseUrl: fake.url, model: 'gpt-4o-mini-tts', voice: { id: 'voice_1234' },
      instructions: 'Speak warmly.', speed: 1.25, organization: 'org-1', project: 'proj-1',
    });
    expect(Buffer.concat(await collectAll(tts.synthesize('Hello there.')))).toEqual(AUDIO);
    expect(fake.hits[0]?.body).toEqual({
      model: 'gpt-4o-mini-tts', voice: { id: 'voice_1234' }, response_format: 'pcm', instructions: 'Speak warmly.', speed: 1.25, input: 'Hello there.',
    });
    expect(fake.hits[0]?.headers).toMatchObject({ 'openai-organization': 'org-1', 'openai-project': 'proj-1' });
    const hd = new OpenAITTS({ apiKey: 'test-key', baseUrl: fake.url, model: 'tts-1-hd', voice: 'nova' });
    await collectAll(hd.synthesize('Hi.'));
    expect(fake.hits[1]?.body).toEqual({ model: 'tts-1-hd', voice: 'nova', response_format: 'pcm', input: 'Hi.' });
  });

  it('rejects what OpenAI would reject before sending: instructions on tts-1, speed, input over 4096', async () => {
    expect(() => new OpenAITTS({ apiKey: 'k', instructions: 'Warm.' })).toThrow(/instructions/);
    expect(() => new OpenAITTS({ apiKey: 'k', model: 'tts-1-hd', instructions: 'Warm.' })).toThrow(ConfigError);
    expect(() => new OpenAITTS({ apiKey: 'k', speed: 5 })).toThrow(/speed/);
    const tts = new OpenAITTS({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9/v1' });
    await expect(collectAll(tts.synthesize('x'.repeat(4097)))).rejects.toThrow(/4096/);
    expect(await collectAll(tts.synthesize('  '))).toEqual([]);
  });

  it('an audio body that stalls is closed after idleTimeoutMs: StreamIdleTimeoutError naming openai_tts, request closed, no retry', async () => {
    const fake = await fakeOpenAI((res) => {
      void res.stream({ chunks: [], then: 'hang' });
    });
    const tts = new OpenAITTS({ apiKey: 'test-key', baseUrl: fake.url, logger: silentLogger, idleTimeoutMs: 250 });
    const started = performance.now();
    const error = await collectAll(tts.synthesize('Hi.')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamIdleTimeoutError);
    expect(error).toMatchObject({ provider: 'openai_tts', idleMs: 250 });
    expect(performance.now() - started).toBeLessThan(3_000);
    await fake.hits[0]!.done;
    expect(fake.hits[0]!.closed).toBe(true);
    expect(fake.hits).toHaveLength(1);
    expect(() => new OpenAITTS({ apiKey: 'k', idleTimeoutMs: -5 })).toThrow(/^idleTimeoutMs:/);
  });

  it('registers as "openai_tts" and exports the namespaced factory', () => {
    expect(createTTS('openai_tts', { apiKey: 'k' })).toBeInstanceOf(OpenAITTS);
    expect(TTS({ apiKey: 'k' })).toBeInstanceOf(OpenAITTS);
  });
});

describeHttpTTSBehaviour({
  name: 'OpenAITTS',
  provider: 'openai_tts',
  envVar: 'OPENAI_API_KEY',
  serve: (reply) => fakeOpenAI((res, _hit, n) => reply(res, n)),
  create: (options) => new OpenAITTS(options),
  createFromEnv: () => new OpenAITTS(),
});

let conformance: Awaited<ReturnType<typeof fakeOpenAI>>;
describeTTSConformance({
  name: 'OpenAITTS',
  createProvider: () => new OpenAITTS({ apiKey: 'test-key', baseUrl: conformance.url, logger: silentLogger }),
  expectedAudio: textAudio,
  lastRequestClosed: () => exchangeClosedByClient(conformance.hits.at(-1)),
  beforeEach: async () => {
    conformance = await fakeOpenAI((res, hit) => {
      const text = String(hit.body.input);
      void res.stream({ chunks: irregularChunks(textAudio(text)), delayMs: text.length > 60 ? 5 : 0 });
    });
  },
});
