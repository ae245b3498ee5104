import {
  ALAW_8K,
  MULAW_8K,
  PCM16_16K,
  createTTS,
  silentLogger,
} from '@patter/core';
import { conversionChain, negotiateFormat } from '@patter/core/plugin';
import { FakeHttpServer, type FakeHttpRequest, type FakeHttpResponse, irregularChunks, textAudio, collectAll, exchangeClosedByClient } from '@patter/testing';
import { describeHttpTTSBehaviour, describeTTSConformance } from '@patter/testing/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { ElevenLabsRestTTS, RestTTS } from './index.js';

let fake: FakeHttpServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const FORMATS = ['pcm_8000', 'pcm_16000', 'pcm_22050', 'pcm_24000', 'pcm_44100', 'pcm_48000', 'ulaw_8000', 'alaw_8000'];

type Reply = (res: FakeHttpResponse, n: number, text: string) => void;
const speak: Reply = (res, _n, text) =>
  void res.stream({ headers: { 'content-type': 'audio/basic' }, chunks: irregularChunks(textAudio(text)), delayMs: text.length > 60 ? 5 : 0 });

/**
 * `POST /v1/text-to-speech/{voice}/stream?output_format=…` as the notes describe it: rejects a
 * wrong key (401), a bad format or body (422, `detail` list), then `reply` answers (by default the
 * audio for the text in irregular chunks, odd sizes included). `hits` are the accepted exchanges.
 */
async function startFake(reply: Reply = speak): Promise<FakeHttpServer & { readonly hits: { closed: boolean; readonly done: Promise<void> }[] }> {
  const hits: { closed: boolean; readonly done: Promise<void> }[] = [];
  const server = await FakeHttpServer.start((req: FakeHttpRequest, res) => {
    const invalid = (msg: string) => res.json(422, { detail: [{ loc: ['body'], msg, type: 'value_error' }] });
    if (req.method !== 'POST' || !/^\/v1\/text-to-speech\/[^/]+\/stream$/.test(req.path)) return res.json(404, { detail: 'Not Found' });
    if (req.header('xi-api-key') !== 'test-key') return res.json(401, { detail: { status: 'invalid_api_key', message: 'Invalid API key' } });
    if (!FORMATS.includes(req.query.get('output_format') ?? '')) return invalid('output_format');
    if (req.header('content-type') !== 'application/json') return invalid('content-type');
    const body = req.json<{ text?: unknown; model_id?: unknown }>();
    if (typeof body.text !== 'string' || body.text === '' || typeof body.model_id !== 'string') return invalid('text');
    const hit = { closed: false, done: req.clientClosed };
    void req.clientClosed.then(() => (hit.closed = req.clientAborted));
    hits.push(hit);
    return reply(res, hits.length, body.text);
  });
  return Object.assign(server, { hits });
}

const collect = async (iterable: AsyncIterable<Uint8Array>) => Buffer.concat(await collectAll(iterable));

describe('ElevenLabsRestTTS', () => {
  it('posts to /stream with the key, model and carrier format, and streams the audio back', async () => {
    const audio = Buffer.from(Array.from({ length: 101 }, (_, i) => i));
    fake = await FakeHttpServer.start((req, res) => {
      if (req.header('xi-api-key') !== 'test-key') return res.send(401, '{"detail":{"status":"invalid_api_key"}}');
      return res.stream({ headers: { 'content-type': 'audio/basic' }, chunks: [audio.subarray(0, 33), audio.subarray(33, 70), audio.subarray(70)] });
    });
    const tts = new ElevenLabsRestTTS({ apiKey: 'test-key', baseUrl: fake.url, model: 'eleven_v3', languageCode: 'en' });
    const usage: { characters: number }[] = [];
    const out = await collect(tts.synthesize('Hello there.', { format: MULAW_8K, onUsage: (u) => usage.push(u) }));
    expect(out).toEqual(audio);
    expect(usage).toEqual([{ characters: 12 }]);
    const request = fake.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1/text-to-speech/EXAVITQu4vr4xnSDxMaL/stream');
    expect(request.query.get('output_format')).toBe('ulaw_8000');
    expect(request.json()).toEqual({ text: 'Hello there.', model_id: 'eleven_v3', language_code: 'en' });
  });

  it('output_format follows the carrier unless the user set it, which is never overridden', async () => {
    fake = await startFake();
    const derived = new ElevenLabsRestTTS({ apiKey: 'test-key', baseUrl: fake.url });
    // What the call session does: negotiate the carrier's format against outputFormats.
    await collect(derived.synthesize('Hi.', { format: negotiateFormat(MULAW_8K, derived.outputFormats).target }));
    await collect(derived.synthesize('Hi.', { format: negotiateFormat(PCM16_16K, derived.outputFormats).target }));
    const pinned = new ElevenLabsRestTTS({ apiKey: 'test-key', baseUrl: fake.url, outputFormat: 'pcm_16000' });
    await collect(pinned.synthesize('Hi.', { format: negotiateFormat(MULAW_8K, pinned.outputFormats).target }));
    expect(fake.requests.map((r) => r.query.get('output_format'))).toEqual(['ulaw_8000', 'pcm_16000', 'pcm_16000']);
    expect(ElevenLabsRestTTS.forTwilio({ apiKey: 'k' }).outputFormats).toEqual([MULAW_8K]);
    // Telnyx plays PCMU/PCMA 8 kHz: the shortcut asks for the carrier's own codec, so its audio passes untouched.
    expect(ElevenLabsRestTTS.forTelnyx({ apiKey: 'k' }).outputFormats).toEqual([MULAW_8K]);
    expect(ElevenLabsRestTTS.forTelnyx({ apiKey: 'k', codec: 'PCMA' }).outputFormats).toEqual([ALAW_8K]);
    expect(conversionChain(negotiateFormat(ALAW_8K, ElevenLabsRestTTS.forTelnyx({ apiKey: 'k', codec: 'PCMA' }).outputFormats).target, ALAW_8K)).toEqual([]);
  });

  it('registers as "elevenlabs_rest" and exports the namespaced factory', () => {
    expect(createTTS('elevenlabs_rest', { apiKey: 'k' })).toBeInstanceOf(ElevenLabsRestTTS);
    expect(RestTTS({ apiKey: 'k' })).toBeInstanceOf(ElevenLabsRestTTS);
  });
});

// The HTTP-TTS transport behaviours (abort, 401 naming the key, 429 retried, a cut stream, a
// malformed error body, warmup, the env var), against the same fake.
describeHttpTTSBehaviour({
  name: 'ElevenLabsRestTTS',
  provider: 'elevenlabs_rest',
  envVar: 'ELEVENLABS_API_KEY',
  serve: async (reply) => {
    const server = await startFake((res, n) => reply(res, n));
    fake = server;
    return { url: server.url, hits: server.hits, requests: () => server.requests.length };
  },
  create: (options) => new ElevenLabsRestTTS(options),
  createFromEnv: () => new ElevenLabsRestTTS(),
});

let conformance: Awaited<ReturnType<typeof startFake>>;
describeTTSConformance({
  name: 'ElevenLabsRestTTS',
  createProvider: () => new ElevenLabsRestTTS({ apiKey: 'test-key', baseUrl: conformance.url, logger: silentLogger }),
  expectedAudio: textAudio,
  lastRequestClosed: () => exchangeClosedByClient(conformance.hits.at(-1)),
  beforeEach: async () => {
    conformance = await startFake();
  },
  afterEach: () => conformance.close(),
});
