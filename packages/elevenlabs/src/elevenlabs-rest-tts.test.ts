import { MULAW_8K } from '@patter/core';
import { FakeHttpServer } from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ElevenLabsRestTTS, RestTTS } from './index.js';

let fake: FakeHttpServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function collect(iterable: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of iterable) parts.push(chunk);
  return Buffer.concat(parts);
}

describe('ElevenLabsRestTTS', () => {
  it('posts to /stream with the key, model and carrier format, and streams the audio back', async () => {
    const audio = Buffer.from(Array.from({ length: 101 }, (_, i) => i));
    fake = await FakeHttpServer.start((req, res) => {
      if (req.header('xi-api-key') !== 'test-key') return res.send(401, '{"detail":{"status":"invalid_api_key"}}');
      return res.stream({ headers: { 'content-type': 'audio/basic' }, chunks: [audio.subarray(0, 33), audio.subarray(33, 70), audio.subarray(70)] });
    });
    const tts = new ElevenLabsRestTTS({ apiKey: 'test-key', baseUrl: fake.url, model: 'eleven_v3', languageCode: 'en' });
    const out = await collect(tts.synthesize('Hello there.', { format: MULAW_8K }));
    expect(out).toEqual(audio);
    const request = fake.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1/text-to-speech/EXAVITQu4vr4xnSDxMaL/stream');
    expect(request.query.get('output_format')).toBe('ulaw_8000');
    expect(request.json()).toEqual({ text: 'Hello there.', model_id: 'eleven_v3', language_code: 'en' });
  });

  it('retries a 429 with retry-after before the first byte, then fails a 500 mid-stream without retrying', async () => {
    let calls = 0;
    fake = await FakeHttpServer.start((_req, res) => {
      calls++;
      if (calls === 1) return res.send(429, 'slow down', { 'retry-after': '0' });
      return res.stream({ chunks: ['ab', 'cd'], then: 'destroy' });
    });
    const error = await collect(RestTTS({ apiKey: 'k', baseUrl: fake.url }).synthesize('Hi')).catch((e: unknown) => e);
    expect(calls).toBe(2);
    expect(error).toMatchObject({ name: 'TTSStreamError', retryable: false });
  });
});
