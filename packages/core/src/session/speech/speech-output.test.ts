import { afterEach, describe, expect, it, vi } from 'vitest';
import { MULAW_8K, PCM16_16K } from '../../audio/audio-format.js';
import { createAudioConverter } from '../../audio/audio-converter.js';
import { pcm16Bytes } from '../../audio/pcm16-view.js';
import { speechLike } from '../../audio/test-signals.js';
import { silentLogger } from '../../log/logger.js';
import type { TTSProvider, TTSSynthesizeOptions } from '../../tts/tts-provider.js';
import { SpeechOutput } from './speech-output.js';
import { FakeTransport, until } from '../testing-fakes.js';
import { UsageMeter } from '../usage/usage-meter.js';

/** A TTS whose requests each wait for `release(text)` before their second chunk. */
function gatedTTS() {
  const requested: string[] = [];
  const gates = new Map<string, () => void>();
  const tts: TTSProvider = {
    key: 'gated',
    outputFormats: [MULAW_8K],
    synthesize(text: string, options: TTSSynthesizeOptions = {}) {
      requested.push(text);
      const byte = text.charCodeAt(0);
      return (async function* () {
        yield new Uint8Array(80).fill(byte);
        await new Promise<void>((resolve) => {
          gates.set(text, resolve);
          options.signal?.addEventListener('abort', () => resolve(), { once: true });
        });
        if (options.signal?.aborted) return;
        yield new Uint8Array(80).fill(byte);
      })();
    },
  };
  const release = async (text: string): Promise<void> => {
    await until(() => gates.has(text));
    gates.get(text)?.();
  };
  return { tts, requested, release };
}

describe('SpeechOutput', () => {
  it('requests the next sentence while the current one streams (one ahead), and sends audio in order', async () => {
    const transport = new FakeTransport();
    const { tts, requested, release } = gatedTTS();
    const speech = new SpeechOutput({ tts, transport, logger: silentLogger, usage: new UsageMeter(), callId: () => 'CA1' });
    const utterance = speech.start(new AbortController().signal);
    utterance.say('Alpha.');
    utterance.say('Bravo.');
    utterance.say('Charlie.');
    await until(() => requested.length === 2);
    expect(requested).toEqual(['Alpha.', 'Bravo.']); // Charlie waits: one sentence of lookahead
    await release('Bravo.');
    await new Promise((resolve) => setImmediate(resolve));
    expect(transport.audio.map((a) => String.fromCharCode(a[0] as number))).toEqual(['A']); // Bravo's audio waits for Alpha
    await release('Alpha.');
    await until(() => requested.length === 3);
    await release('Charlie.');
    await utterance.finish();
    expect(transport.audio.map((a) => String.fromCharCode(a[0] as number))).toEqual(['A', 'A', 'B', 'B', 'C', 'C']);
    expect(transport.commands.filter((c) => c.type === 'mark')).toHaveLength(3);
    expect(utterance.sentText()).toBe('Alpha. Bravo. Charlie.');
  });

  it('hands each TTS chunk to the transport before the vendor stream is asked for the next (no queue hop per chunk)', async () => {
    const transport = new FakeTransport();
    const sentWhenResumed: number[] = [];
    const tts: TTSProvider = {
      key: 'counting',
      outputFormats: [MULAW_8K],
      synthesize: () =>
        (async function* () {
          for (let i = 0; i < 5; i++) {
            yield new Uint8Array(160).fill(i);
            sentWhenResumed.push(transport.audio.length);
          }
        })(),
    };
    const speech = new SpeechOutput({ tts, transport, logger: silentLogger, usage: new UsageMeter(), callId: () => 'CA1' });
    const utterance = speech.start(new AbortController().signal);
    utterance.say('Hello.');
    await utterance.finish();
    expect(sentWhenResumed).toEqual([1, 2, 3, 4, 5]);
    expect(transport.audio.map((a) => a[0])).toEqual([0, 1, 2, 3, 4]);
    expect(transport.commands.filter((c) => c.type === 'mark')).toHaveLength(1);
  });

  it('an abort stops the prefetched requests too', async () => {
    const transport = new FakeTransport();
    const { tts, requested } = gatedTTS();
    const speech = new SpeechOutput({ tts, transport, logger: silentLogger, usage: new UsageMeter(), callId: () => 'CA1' });
    const controller = new AbortController();
    const utterance = speech.start(controller.signal);
    utterance.say('One.');
    utterance.say('Two.');
    await until(() => requested.length === 2 && transport.audio.length === 1);
    controller.abort();
    await utterance.finish();
    await speech.idle();
    expect(speech.speaking).toBe(true); // audio still queued at the carrier until cleared
    speech.clear();
    expect(speech.speaking).toBe(false);
    expect(transport.audio).toHaveLength(1);
  });

  it('converts each sentence whole as its audio arrives: its resampler tail is sent before its mark, none leaks into the next', async () => {
    const transport = new FakeTransport();
    // PCM16 16 kHz only: the μ-law 8 kHz carrier needs converting. Odd-sized reads, split mid-sample.
    const audioOf = (text: string) => pcm16Bytes(speechLike(16_000, text.length / 40));
    const tts: TTSProvider = {
      key: 'pcm',
      outputFormats: [PCM16_16K],
      synthesize: (text: string) =>
        (async function* () {
          const audio = audioOf(text);
          for (let at = 0; at < audio.length; at += 999) yield audio.slice(at, at + 999);
        })(),
    };
    const speech = new SpeechOutput({ tts, transport, logger: silentLogger, usage: new UsageMeter(), callId: () => 'CA1' });
    const utterance = speech.start(new AbortController().signal);
    const sentences = ['The first sentence, spoken.', 'And a second one.'];
    for (const sentence of sentences) utterance.say(sentence);
    await utterance.finish();
    // What went out between the marks, sentence by sentence.
    const spoken: number[][] = [[]];
    let frame = 0;
    for (const command of transport.commands) {
      if (command.type === 'mark') spoken.push([]);
      else if (command.type === 'audio') spoken.at(-1)!.push(...transport.audio[frame++]!);
    }
    expect(spoken).toHaveLength(3);
    for (const [i, sentence] of sentences.entries()) {
      const reference = createAudioConverter(PCM16_16K, MULAW_8K);
      const expected = [...reference.convert(audioOf(sentence)), ...reference.flush()];
      expect(spoken[i]).toEqual(expected);
    }
    expect(spoken[2]).toEqual([]);
  });

  describe('a long reply (60 s of audio from a vendor faster than real time)', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    /** 100 ms μ-law chunks, each filled with its index (mod 251); counts what was read from it. */
    function longTTS(seconds: number) {
      const read = { bytes: 0, signal: undefined as AbortSignal | undefined };
      const tts: TTSProvider = {
        key: 'long',
        outputFormats: [MULAW_8K],
        synthesize: (_text: string, options: TTSSynthesizeOptions = {}) => {
          read.signal = options.signal;
          return (async function* () {
            for (let i = 0; i < seconds * 10; i++) {
              read.bytes += 800;
              yield new Uint8Array(800).fill(i % 251);
            }
          })();
        },
      };
      return { tts, read };
    }

    const sentBytes = (transport: FakeTransport) => transport.audio.reduce((n, a) => n + a.length, 0);

    it('is read from the TTS only while the transport has under ~2 s queued, and every byte arrives in order', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
      const transport = new FakeTransport();
      const { tts, read } = longTTS(60);
      const speech = new SpeechOutput({ tts, transport, logger: silentLogger, usage: new UsageMeter(), callId: () => 'CA1' });
      const utterance = speech.start(new AbortController().signal);
      utterance.say('A sixty second answer.');
      let finished = false;
      void utterance.finish().then(() => (finished = true));
      let maxQueuedMs = 0;
      let maxHeldBytes = 0;
      // The carrier plays at real time: 250 ms of playout per 250 ms of clock.
      for (let t = 0; t < 62_000 && !finished; t += 250) {
        await vi.advanceTimersByTimeAsync(250);
        transport.play(250);
        await vi.advanceTimersByTimeAsync(0);
        maxQueuedMs = Math.max(maxQueuedMs, transport.pendingMs());
        maxHeldBytes = Math.max(maxHeldBytes, read.bytes - sentBytes(transport));
      }
      await vi.advanceTimersByTimeAsync(2_000);
      expect(finished).toBe(true);
      expect(maxQueuedMs).toBeLessThanOrEqual(2_100); // the bound plus one chunk
      expect(maxHeldBytes).toBeLessThanOrEqual(800); // read from the vendor and not yet at the transport
      const audio = Buffer.concat(transport.audio);
      expect(audio.length).toBe(600 * 800);
      for (let i = 0; i < 600; i++) expect(audio[i * 800] === i % 251 && audio[i * 800 + 799] === i % 251).toBe(true);
      expect(transport.commands.filter((c) => c.type === 'mark')).toHaveLength(1);
    });

    it('wakes to read the TTS about once a second of playout (~1 s per wake-up), never letting the queue fall under ~1 s', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
      const transport = new FakeTransport();
      const { tts, read } = longTTS(30);
      const speech = new SpeechOutput({ tts, transport, logger: silentLogger, usage: new UsageMeter(), callId: () => 'CA1' });
      const utterance = speech.start(new AbortController().signal);
      utterance.say('A thirty second answer.');
      let finished = false;
      void utterance.finish().then(() => (finished = true));
      // Each 100 ms step of real-time playout: did the TTS get read in it (a wake-up)?
      let wakes = 0;
      let lowestQueuedMs = Number.POSITIVE_INFINITY;
      await vi.advanceTimersByTimeAsync(0);
      let before = read.bytes;
      for (let t = 0; t < 27_000; t += 100) {
        transport.play(100);
        await vi.advanceTimersByTimeAsync(100);
        if (read.bytes > before) wakes++;
        before = read.bytes;
        if (read.bytes < 30 * 8000) lowestQueuedMs = Math.min(lowestQueuedMs, transport.pendingMs());
      }
      transport.play(5_000);
      await vi.advanceTimersByTimeAsync(5_000);
      // 28 s read after the first 2 s: ~1 s per wake-up (waking every 250 ms would be ~110).
      expect(wakes).toBeGreaterThanOrEqual(20);
      expect(wakes).toBeLessThanOrEqual(35);
      expect(lowestQueuedMs).toBeGreaterThanOrEqual(900);
      expect(read.bytes).toBe(30 * 8000);
      expect(finished).toBe(true);
    });

    it('the next sentence, requested ahead, reads at most ~2 s of its audio before its turn', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
      const transport = new FakeTransport();
      const reads = new Map<string, number>();
      const tts: TTSProvider = {
        key: 'long',
        outputFormats: [MULAW_8K],
        synthesize: (text: string) =>
          (async function* () {
            for (let i = 0; i < 600; i++) {
              reads.set(text, (reads.get(text) ?? 0) + 800);
              yield new Uint8Array(800).fill(i % 251);
            }
          })(),
      };
      const speech = new SpeechOutput({ tts, transport, logger: silentLogger, usage: new UsageMeter(), callId: () => 'CA1' });
      const utterance = speech.start(new AbortController().signal);
      utterance.say('First, sixty seconds.');
      utterance.say('Then sixty more.');
      for (let t = 0; t < 10_000; t += 250) {
        await vi.advanceTimersByTimeAsync(250);
        transport.play(250);
      }
      expect(reads.get('Then sixty more.')).toBeGreaterThan(0); // requested ahead, as before
      expect(reads.get('Then sixty more.')).toBeLessThanOrEqual(16_000 + 800);
      expect(reads.get('First, sixty seconds.')).toBeLessThanOrEqual(12_100 * 8);
    });

    it('a barge-in while the TTS is held back ends it at once: nothing more is read or sent', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
      const transport = new FakeTransport();
      const { tts, read } = longTTS(60);
      const speech = new SpeechOutput({ tts, transport, logger: silentLogger, usage: new UsageMeter(), callId: () => 'CA1' });
      const controller = new AbortController();
      const utterance = speech.start(controller.signal);
      utterance.say('A sixty second answer.');
      for (let t = 0; t < 5_000; t += 250) {
        await vi.advanceTimersByTimeAsync(250);
        transport.play(250);
      }
      const readBefore = read.bytes;
      expect(readBefore).toBeLessThan(8_000 * 8); // ~7 s of the 60 s: 5 s played and ~2 s ahead
      controller.abort();
      expect(read.signal?.aborted).toBe(true);
      speech.clear();
      await utterance.finish(); // settles without waiting for the backlog's wake-up
      const sentAfterClear = sentBytes(transport);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(sentBytes(transport)).toBe(sentAfterClear);
      expect(read.bytes).toBeLessThanOrEqual(readBefore + 800);
      expect(vi.getTimerCount()).toBe(0); // the backlog's wake-up was cleared
    });
  });
});
