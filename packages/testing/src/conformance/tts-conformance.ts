import type { AudioFormat, TTSProvider } from '@patter/core';
import { bytesPerSample, isAbortError } from '@patter/core/plugin';
import { concatBytes } from '../audio/pcm-bytes.js';
import { assert, assertBytesEqual, fail, settledWithinTurn, tick, withTimeout } from './check-helpers.js';
import type { ConformanceCheck, ConformanceHooks } from './conformance-check.js';

export interface TTSConformanceHarness extends ConformanceHooks {
  /** Suite title prefix, e.g. `'CartesiaTTS'`. */
  readonly name?: string;
  /** A fresh provider pointed at the plugin's loopback fake. */
  createProvider(): TTSProvider;
  /** Format to request. Default: the provider's `outputFormats[0]`. */
  readonly format?: AudioFormat;
  /**
   * The exact audio (in `format`, no container header) the fake streams for `text`. The fake
   * should cut it at odd byte offsets so the checks see whether the provider realigns samples.
   */
  expectedAudio(text: string, format: AudioFormat): Uint8Array;
  /** A short text (default `'Hello there, how can I help?'`). */
  readonly text?: string;
  /** A second, different short text (default `'Okay, see you soon.'`). */
  readonly otherText?: string;
  /** A text the fake streams slowly, in many chunks at least ~5 ms apart (default `'Please hold … long'`). */
  readonly longText?: string;
  /**
   * Run the streaming-input checks (`provider.stream()`): the text is pushed word by word and the
   * fake must answer with `expectedAudio(<the whole text>)` once input ends.
   */
  readonly streamInput?: boolean;
  /** Resolves once the fake saw the client drop its last request or connection (for the abort check). */
  lastRequestClosed?(): Promise<void>;
  /** How long each wait may take (default 5000 ms). */
  readonly timeoutMs?: number;
}

export const DEFAULT_TTS_TEXTS = Object.freeze({
  text: 'Hello there, how can I help?',
  otherText: 'Okay, see you soon.',
  longText: 'Please hold while I look that up for you, it will only take a moment, thank you for waiting.',
});

/** The TTS contract's checks, for `runConformanceChecks` or `describeTTSConformance` (`@patter/testing/vitest`). */
export function ttsConformanceChecks(harness: TTSConformanceHarness): ConformanceCheck[] {
  const timeout = harness.timeoutMs ?? 5_000;
  const text = harness.text ?? DEFAULT_TTS_TEXTS.text;
  const otherText = harness.otherText ?? DEFAULT_TTS_TEXTS.otherText;
  const longText = harness.longText ?? DEFAULT_TTS_TEXTS.longText;
  const formatOf = (provider: TTSProvider): AudioFormat => {
    const format = harness.format ?? provider.outputFormats[0];
    if (!format) fail('the provider declares no outputFormats');
    return format;
  };

  async function synthesizeAll(provider: TTSProvider, say: string, format: AudioFormat): Promise<Uint8Array[]> {
    const chunks: Uint8Array[] = [];
    await withTimeout(
      (async () => {
        for await (const chunk of provider.synthesize(say, { format })) chunks.push(chunk.slice());
      })(),
      timeout,
      `synthesize("${say}") to finish`,
    );
    return chunks;
  }

  function expectWholeSamples(chunks: readonly Uint8Array[], format: AudioFormat, label: string): void {
    const size = bytesPerSample(format);
    chunks.forEach((chunk, i) => {
      assert(chunk.byteLength > 0, `${label}: chunk ${i} is empty`);
      assert(chunk.byteLength % size === 0, `${label}: chunk ${i} has ${chunk.byteLength} bytes, not whole ${size}-byte samples`);
    });
  }

  /** Start a long synthesis, abort while the next chunk is pending, and check it stops at once. */
  async function abortMidStream(provider: TTSProvider, format: AudioFormat): Promise<void> {
    const controller = new AbortController();
    const iterator = provider.synthesize(longText, { format, signal: controller.signal })[Symbol.asyncIterator]();
    const first = await withTimeout(iterator.next(), timeout, 'the first chunk of the long text');
    assert(!first.done, 'the long text produced no audio');
    const expected = harness.expectedAudio(longText, format).byteLength;
    assert(first.value.byteLength < expected, 'the whole long text came in one chunk: make the fake stream it slowly');
    const pending = iterator.next();
    controller.abort();
    const outcome = await settledWithinTurn(pending);
    if (outcome.state === 'pending') fail('iteration did not end within one event-loop turn of the abort');
    if (outcome.state === 'fulfilled') assert(outcome.value.done, 'a chunk was emitted after the abort');
    if (outcome.state === 'rejected') assert(isAbortError(outcome.error), `abort threw a non-abort error: ${String(outcome.error)}`);
    await tick(30);
    const after = await settledWithinTurn(iterator.next());
    assert(!(after.state === 'fulfilled' && !after.value.done), 'a chunk was emitted after the abort');
    if (harness.lastRequestClosed) await withTimeout(harness.lastRequestClosed(), timeout, 'the fake to see the request closed');
  }

  const streamChecks: ConformanceCheck[] = [
    {
      name: 'stream(): text pushed word by word comes back as whole samples equal to the vendor audio',
      async run() {
        const provider = harness.createProvider();
        const format = formatOf(provider);
        assert(provider.stream, 'the harness sets streamInput but the provider has no stream()');
        const input = provider.stream({ format });
        const chunks: Uint8Array[] = [];
        const reading = (async () => {
          for await (const chunk of input.audio()) chunks.push(chunk.slice());
        })();
        for (const word of text.split(/(?<= )/)) {
          input.pushText(word);
          await tick(1);
        }
        input.endInput();
        try {
          await withTimeout(reading, timeout, 'stream() audio to end after endInput()');
        } finally {
          await withTimeout(input.close(), timeout, 'stream().close()');
        }
        expectWholeSamples(chunks, format, 'stream()');
        assertBytesEqual(concatBytes(chunks), harness.expectedAudio(text, format), 'streamed-input audio');
      },
    },
    {
      name: 'stream(): close() mid-stream ends the audio; nothing is emitted after',
      async run() {
        const provider = harness.createProvider();
        const format = formatOf(provider);
        assert(provider.stream, 'the harness sets streamInput but the provider has no stream()');
        const input = provider.stream({ format });
        let count = 0;
        let bytes = 0;
        let ended = false;
        const reading = (async () => {
          try {
            for await (const chunk of input.audio()) {
              count++;
              bytes += chunk.byteLength;
            }
          } catch (error) {
            if (!isAbortError(error)) throw error;
          } finally {
            ended = true;
          }
        })();
        input.pushText(longText);
        input.endInput();
        const deadline = performance.now() + timeout;
        while (count === 0 && !ended && performance.now() < deadline) await tick(2);
        assert(count > 0 && !ended, 'the long text produced no audio, or all of it at once: make the fake stream it slowly');
        await withTimeout(input.close(), timeout, 'stream().close()');
        await withTimeout(reading, timeout, 'stream() audio to end after close()');
        const atClose = count;
        await tick(50);
        assert(count === atClose, 'audio was emitted after close()');
        assert(bytes < harness.expectedAudio(longText, format).byteLength, 'close() did not stop the audio: all of it arrived');
      },
    },
  ];

  return [
    {
      name: 'yields whole samples whose concatenation equals the vendor audio',
      async run() {
        const provider = harness.createProvider();
        const format = formatOf(provider);
        const chunks = await synthesizeAll(provider, text, format);
        expectWholeSamples(chunks, format, 'synthesize');
        assertBytesEqual(concatBytes(chunks), harness.expectedAudio(text, format), 'synthesized audio');
      },
    },
    {
      name: 'abort mid-stream ends iteration within one event-loop turn; nothing is emitted after',
      async run() {
        const provider = harness.createProvider();
        await abortMidStream(provider, formatOf(provider));
      },
    },
    {
      name: 'the same provider synthesizes again after an abort',
      async run() {
        const provider = harness.createProvider();
        const format = formatOf(provider);
        await abortMidStream(provider, format);
        const chunks = await synthesizeAll(provider, otherText, format);
        expectWholeSamples(chunks, format, 'synthesize after abort');
        assertBytesEqual(concatBytes(chunks), harness.expectedAudio(otherText, format), 'audio after an abort');
      },
    },
    {
      name: 'two concurrent syntheses from one provider each get their own audio',
      async run() {
        const provider = harness.createProvider();
        const format = formatOf(provider);
        const [one, two] = await Promise.all([synthesizeAll(provider, text, format), synthesizeAll(provider, otherText, format)]);
        assertBytesEqual(concatBytes(one), harness.expectedAudio(text, format), 'first concurrent synthesis');
        assertBytesEqual(concatBytes(two), harness.expectedAudio(otherText, format), 'second concurrent synthesis');
      },
    },
    {
      name: 'an already-aborted signal yields no audio',
      async run() {
        const provider = harness.createProvider();
        const controller = new AbortController();
        controller.abort();
        const chunks: Uint8Array[] = [];
        try {
          await withTimeout(
            (async () => {
              for await (const chunk of provider.synthesize(text, { format: formatOf(provider), signal: controller.signal })) {
                chunks.push(chunk);
              }
            })(),
            timeout,
            'an aborted synthesis to end',
          );
        } catch (error) {
          assert(isAbortError(error), `an aborted synthesis threw a non-abort error: ${String(error)}`);
        }
        assert(chunks.length === 0, 'audio was emitted for an already-aborted signal');
      },
    },
    ...(harness.streamInput ? streamChecks : []),
  ];
}
