import { describe, expect, it } from 'vitest';
import { MULAW_8K, PCM16_16K, PCM16_24K, type AudioFormat } from '../audio/audio-format.js';
import { ConfigError } from '../errors/config-error.js';
import { ProviderAuthError, ProviderStatusError } from '../errors/provider-error.js';
import type { TTSProvider, TTSSynthesizeOptions } from '../tts/tts-provider.js';
import { FallbackTTS } from './fallback-tts.js';

/** A TTS whose audio for a sentence is bytes `fill, fill, …` in 80-byte chunks (10 ms of μ-law). */
function tts(key: string, fill: number, failAfterChunks?: number, error: Error = new ProviderStatusError(key, 500, 'boom')) {
  const calls: { text: string; options: TTSSynthesizeOptions | undefined }[] = [];
  const provider: TTSProvider & { calls: typeof calls } = {
    key,
    outputFormats: [MULAW_8K, PCM16_16K],
    calls,
    async *synthesize(text, options) {
      calls.push({ text, options });
      for (let i = 0; i < 10; i++) {
        if (failAfterChunks !== undefined && i === failAfterChunks) throw error;
        yield new Uint8Array(80).fill(fill + i);
      }
    },
  };
  return provider;
}
async function bytes(stream: AsyncIterable<Uint8Array>): Promise<number[]> {
  const out: number[] = [];
  for await (const c of stream) out.push(...c);
  return out;
}

describe('FallbackTTS', () => {
  it('speaks the sentence on the next TTS when the first fails before any audio (auth error)', async () => {
    const a = tts('a', 0, 0, new ProviderAuthError('a', 401, 'A_API_KEY'));
    const b = tts('b', 100);
    const fallback = new FallbackTTS([a, b]);
    const out = await bytes(fallback.synthesize('Hello there.', { format: MULAW_8K }));
    expect(out).toHaveLength(800);
    expect(out[0]).toBe(100);
    expect(b.calls[0]?.options?.format).toEqual(MULAW_8K);
    expect(fallback.isHealthy(a)).toBe(false);
    await fallback.close();
  });

  it('after a mid-sentence failure, the next TTS resumes the sentence where the audio stopped: nothing is heard twice', async () => {
    const a = tts('a', 0, 3);
    const b = tts('b', 100);
    const fallback = new FallbackTTS([a, b]);
    const out = await bytes(fallback.synthesize('Hello there.', { format: MULAW_8K }));
    // 3 chunks from a, then b's audio from its 4th chunk on: 100 ms in all, as long as the sentence.
    expect(out).toHaveLength(800);
    expect(out.slice(0, 240).every((v, i) => v === Math.floor(i / 80))).toBe(true);
    expect(out[240]).toBe(103);
    expect(out[799]).toBe(109);
    expect(b.calls[0]?.text).toBe('Hello there.');
    await fallback.close();
  });

  it('outputFormats are the formats all members share, first member\'s order; none shared is a ConfigError', () => {
    const only = (key: string, formats: AudioFormat[]): TTSProvider => ({ key, outputFormats: formats, synthesize: async function* () {} });
    expect(new FallbackTTS([only('a', [PCM16_24K, MULAW_8K, PCM16_16K]), only('b', [PCM16_16K, MULAW_8K])]).outputFormats).toEqual([MULAW_8K, PCM16_16K]);
    const error = (() => {
      try {
        new FallbackTTS([only('a', [PCM16_24K]), only('b', [MULAW_8K])]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe('providers');
  });

  it('an abort is not a failure: nothing fails over', async () => {
    const controller = new AbortController();
    const a: TTSProvider = {
      key: 'a',
      outputFormats: [MULAW_8K],
      async *synthesize(_t, options) {
        yield new Uint8Array(80);
        controller.abort();
        throw options?.signal?.reason as Error;
      },
    };
    const b = tts('b', 100);
    const fallback = new FallbackTTS([a, b]);
    await expect(bytes(fallback.synthesize('x', { signal: controller.signal }))).rejects.toThrow();
    expect(b.calls).toHaveLength(0);
    expect(fallback.isHealthy(a)).toBe(true);
    await fallback.close();
  });
});
