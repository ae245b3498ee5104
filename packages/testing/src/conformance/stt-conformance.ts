import type { AudioFormat, STTProvider, STTStream, Transcript } from '@patter/core';
import { durationMs, isAbortError } from '@patter/core/plugin';
import {
  assert,
  assertBytesEqual,
  containsBytes,
  fail,
  framesOf,
  normalizeText,
  tick,
  waitUntil,
  withTimeout,
} from './check-helpers.js';
import { conformanceSpeech, type ConformanceSpeech } from './conformance-audio.js';
import type { ConformanceCheck, ConformanceHooks } from './conformance-check.js';

/** One vendor connection (or request) the plugin's fake received, seen through the harness. */
export interface STTConformanceConnection {
  /** All audio received on it so far, decoded from the vendor framing into the stream's format. */
  audio(): Uint8Array;
  /** Make the fake vendor deliver a final transcript with `text` on this connection. */
  speak(text: string): Promise<void>;
}

export interface STTConformanceHarness extends ConformanceHooks {
  /** Suite title prefix, e.g. `'DeepgramSTT'`. */
  readonly name?: string;
  /** A fresh provider pointed at the plugin's loopback fake. */
  createProvider(): STTProvider;
  /** Format to stream in. Default: the provider's `inputFormats[0]`. */
  readonly format?: AudioFormat;
  /** Every connection the fake accepted so far, oldest first (the checks look at the new ones). */
  connections(): readonly STTConformanceConnection[];
  /**
   * `'exact'` (default): a connection receives exactly the bytes its stream was given.
   * `'slice'`: it receives one contiguous part of them (buffered STT posts one utterance).
   */
  readonly audioMatch?: 'exact' | 'slice';
  /** Call `finalize()` after the audio (buffered STT that waits for the end of speech). */
  readonly finalizeAfterAudio?: boolean;
  /** How long each wait may take (default 5000 ms). */
  readonly timeoutMs?: number;
}

interface Consumer {
  readonly items: Transcript[];
  ended: boolean;
  error: unknown;
  readonly done: Promise<void>;
}

function consume(stream: STTStream): Consumer {
  const consumer: Consumer = { items: [], ended: false, error: undefined, done: Promise.resolve() };
  (consumer as { done: Promise<void> }).done = (async () => {
    try {
      for await (const t of stream.transcripts()) consumer.items.push(t);
    } catch (error) {
      consumer.error = error;
    } finally {
      consumer.ended = true;
    }
  })();
  return consumer;
}

function finals(consumer: Consumer): string[] {
  return consumer.items.filter((t) => t.isFinal && t.eventType === 'Results' && t.text !== '').map((t) => normalizeText(t.text));
}

/** The STT contract's checks, for `runConformanceChecks` or `describeSTTConformance` (`@patter/testing/vitest`). */
export function sttConformanceChecks(harness: STTConformanceHarness): ConformanceCheck[] {
  const timeout = harness.timeoutMs ?? 5_000;
  const formatOf = (provider: STTProvider): AudioFormat => {
    const format = harness.format ?? provider.inputFormats[0];
    if (!format) fail('the provider declares no inputFormats');
    return format;
  };

  async function feed(stream: STTStream, speech: ConformanceSpeech, format: AudioFormat): Promise<void> {
    let sent = 0;
    for (const frame of framesOf(speech.audio, format)) {
      stream.sendAudio(frame);
      if (++sent % 5 === 0) await tick(1);
    }
    if (harness.finalizeAfterAudio) stream.finalize();
  }

  async function newConnections(base: number, count: number): Promise<STTConformanceConnection[]> {
    await waitUntil(() => harness.connections().length >= base + count, timeout, `the fake has ${count} new connection(s)`);
    return harness.connections().slice(base);
  }

  async function expectAudio(conn: STTConformanceConnection, speech: ConformanceSpeech, label: string): Promise<void> {
    if (harness.audioMatch === 'slice') {
      await waitUntil(() => conn.audio().byteLength > 0, timeout, `${label}'s connection receives audio`);
      await tick(20);
      assert(containsBytes(speech.audio, conn.audio()), `${label}: the connection received audio that stream was not given`);
      return;
    }
    await waitUntil(() => conn.audio().byteLength >= speech.audio.byteLength, timeout, `${label}'s connection receives all its audio`);
    await tick(20);
    assertBytesEqual(conn.audio(), speech.audio, `${label}: audio the vendor connection received`);
  }

  function expectUsage(stream: STTStream, format: AudioFormat, billed: Uint8Array): void {
    const seconds = durationMs(format, billed.byteLength) / 1000;
    const reported = stream.usage().audioSeconds;
    assert(
      Math.abs(reported - seconds) <= seconds * 0.05 + 0.02,
      `usage().audioSeconds is ${reported.toFixed(3)} for ${seconds.toFixed(3)} s of audio sent to the vendor`,
    );
  }

  async function expectFinal(consumer: Consumer, text: string, label: string): Promise<void> {
    const wanted = normalizeText(text);
    try {
      await waitUntil(() => finals(consumer).includes(wanted) || consumer.ended, timeout, `${label} gets a final transcript`);
    } catch {
      fail(`${label}: no final transcript "${wanted}" (finals so far: ${JSON.stringify(finals(consumer))})`);
    }
    if (!finals(consumer).includes(wanted)) {
      fail(`${label}: transcripts ended before the final "${wanted}" (error: ${String(consumer.error)})`);
    }
  }

  async function expectSilentAfterEnd(consumer: Consumer, conn: STTConformanceConnection, label: string): Promise<void> {
    const count = consumer.items.length;
    await conn.speak('words after the end').catch(() => undefined);
    await tick(100);
    assert(consumer.ended, `${label}: the transcripts iterable is still open`);
    assert(consumer.items.length === count, `${label}: a transcript was emitted after the stream ended`);
  }

  return [
    {
      name: 'streams its audio to its own vendor connection and delivers the final transcript',
      async run() {
        const provider = harness.createProvider();
        const format = formatOf(provider);
        const speech = conformanceSpeech(format, 'hello-there', 1);
        const base = harness.connections().length;
        const stream = provider.stream({ format });
        const consumer = consume(stream);
        try {
          await feed(stream, speech, format);
          const [conn] = await newConnections(base, 1);
          assert(conn, 'no vendor connection');
          await expectAudio(conn, speech, 'the stream');
          await conn.speak(speech.text);
          await expectFinal(consumer, speech.text, 'the stream');
          if (harness.audioMatch === 'slice') {
            // A vendor paced to real time (AssemblyAI, Soniox) gets audio fed faster than that over
            // time: compare once the connection's audio stopped growing (300 ms without a byte).
            const until = Date.now() + timeout;
            for (let seen = -1; conn.audio().byteLength !== seen && Date.now() < until; ) {
              seen = conn.audio().byteLength;
              await tick(300);
            }
          }
          expectUsage(stream, format, harness.audioMatch === 'slice' ? conn.audio() : speech.audio);
          assert(harness.connections().length === base + 1, 'one stream opened more than one vendor connection');
        } finally {
          await withTimeout(stream.close(), timeout, 'close()');
        }
        await withTimeout(consumer.done, timeout, 'the transcripts iterable to end after close()');
        assert(consumer.error === undefined, `transcripts threw after a clean close: ${String(consumer.error)}`);
      },
    },
    {
      name: 'close() ends the transcripts iterable; nothing is emitted or sent after it',
      async run() {
        const provider = harness.createProvider();
        const format = formatOf(provider);
        const speech = conformanceSpeech(format, 'yes', 2);
        const base = harness.connections().length;
        const stream = provider.stream({ format });
        const consumer = consume(stream);
        await feed(stream, speech, format);
        const [conn] = await newConnections(base, 1);
        assert(conn, 'no vendor connection');
        await withTimeout(stream.close(), timeout, 'close()');
        await withTimeout(consumer.done, timeout, 'the transcripts iterable to end after close()');
        const received = conn.audio().byteLength;
        stream.sendAudio(speech.speech.subarray(0, 320));
        await withTimeout(stream.close(), timeout, 'a second close()');
        await expectSilentAfterEnd(consumer, conn, 'after close()');
        assert(conn.audio().byteLength === received, 'audio sent after close() reached the vendor');
      },
    },
    {
      name: 'abort ends the stream; nothing is emitted after it',
      async run() {
        const provider = harness.createProvider();
        const format = formatOf(provider);
        const speech = conformanceSpeech(format, 'no', 3);
        const base = harness.connections().length;
        const controller = new AbortController();
        const stream = provider.stream({ format, signal: controller.signal });
        const consumer = consume(stream);
        await feed(stream, speech, format);
        const [conn] = await newConnections(base, 1);
        assert(conn, 'no vendor connection');
        controller.abort();
        await withTimeout(consumer.done, timeout, 'the transcripts iterable to end after abort');
        assert(
          consumer.error === undefined || isAbortError(consumer.error),
          `transcripts threw a non-abort error after abort: ${String(consumer.error)}`,
        );
        await expectSilentAfterEnd(consumer, conn, 'after abort');
        await withTimeout(stream.close(), timeout, 'close() after abort');
      },
    },
    {
      name: 'two concurrent streams from one provider use separate connections, each with only its own audio and transcript',
      async run() {
        const provider = harness.createProvider();
        const format = formatOf(provider);
        const a = conformanceSpeech(format, 'hello-there', 4);
        const b = conformanceSpeech(format, 'book-a-table', 5);
        const base = harness.connections().length;
        const streamA = provider.stream({ format, callId: 'conformance-a' });
        const streamB = provider.stream({ format, callId: 'conformance-b' });
        const consumerA = consume(streamA);
        const consumerB = consume(streamB);
        try {
          await Promise.all([feed(streamA, a, format), feed(streamB, b, format)]);
          const conns = await newConnections(base, 2);
          await tick(50);
          assert(harness.connections().length === base + 2, `two streams opened ${harness.connections().length - base} connections`);
          const owner = (conn: STTConformanceConnection): 'a' | 'b' | undefined => {
            const audio = conn.audio();
            if (audio.byteLength < 1280) return undefined;
            const middle = (audio.byteLength >> 2) << 1;
            const probe = audio.subarray(middle - 320, middle + 320);
            const inA = containsBytes(a.audio, probe);
            const inB = containsBytes(b.audio, probe);
            return inA && !inB ? 'a' : inB && !inA ? 'b' : undefined;
          };
          await waitUntil(() => conns.every((c) => owner(c) !== undefined), timeout, 'both connections receive audio');
          const connA = conns.find((c) => owner(c) === 'a');
          const connB = conns.find((c) => owner(c) === 'b');
          assert(connA && connB, 'both connections carry the same stream’s audio');
          await expectAudio(connA, a, 'stream A');
          await expectAudio(connB, b, 'stream B');
          await connB.speak(b.text);
          await connA.speak(a.text);
          await expectFinal(consumerA, a.text, 'stream A');
          await expectFinal(consumerB, b.text, 'stream B');
          await tick(50);
          assert(!finals(consumerA).includes(normalizeText(b.text)), "stream A received stream B's transcript");
          assert(!finals(consumerB).includes(normalizeText(a.text)), "stream B received stream A's transcript");
        } finally {
          await withTimeout(Promise.all([streamA.close(), streamB.close()]), timeout, 'close() of both streams');
        }
        await withTimeout(Promise.all([consumerA.done, consumerB.done]), timeout, 'both iterables to end');
      },
    },
  ];
}
