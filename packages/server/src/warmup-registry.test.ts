import { MULAW_8K, silentLogger, type AgentOptions, type TTSProvider, type TTSSynthesizeOptions } from '@patter/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WarmupRegistry } from './warmup-registry.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A TTS whose synthesis waits for `release` (or its signal); records the signals it got. */
function heldTTS() {
  const signals: AbortSignal[] = [];
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const tts: TTSProvider = {
    key: 'held_tts',
    outputFormats: [MULAW_8K],
    async *synthesize(text: string, options: TTSSynthesizeOptions = {}) {
      const signal = options.signal as AbortSignal;
      signals.push(signal);
      await Promise.race([released, new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))]);
      if (signal.aborted) throw signal.reason;
      yield new Uint8Array(text.length * 80).fill(0x2a);
    },
  };
  return { tts, signals, release: () => release() };
}

const agentWith = (tts: TTSProvider): AgentOptions => ({ stt: { key: 's', inputFormats: [MULAW_8K], stream: () => { throw new Error('unused'); } }, tts, onMessage: () => 'ok', firstMessage: 'Hello {who}.', variables: { who: 'there' } });

describe('WarmupRegistry', () => {
  it('prepares the greeting for a call ref and hands it over once', async () => {
    const { tts, release } = heldTTS();
    const registry = new WarmupRegistry({ logger: silentLogger });
    registry.start('ref1', agentWith(tts), MULAW_8K);
    release();
    const prepared = await registry.take('ref1');
    expect(prepared?.firstMessage?.text).toBe('Hello there.');
    expect(prepared?.firstMessage?.audio.length).toBe('Hello there.'.length * 80);
    expect(registry.take('ref1')).toBeUndefined();
    expect(registry.size).toBe(0);
  });

  it('a stream that never comes: dropped after ttlMs, its synthesis aborted', async () => {
    vi.useFakeTimers();
    const { tts, signals } = heldTTS();
    const registry = new WarmupRegistry({ logger: silentLogger, ttlMs: 30_000 });
    registry.start('ref1', agentWith(tts), MULAW_8K);
    await vi.advanceTimersByTimeAsync(0);
    expect(signals[0]?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(signals[0]?.aborted).toBe(true);
    expect(registry.size).toBe(0);
    expect(registry.take('ref1')).toBeUndefined();
  });

  it('a parked STT connection of a call that never connected is closed when it is dropped', async () => {
    vi.useFakeTimers();
    const { tts, release } = heldTTS();
    let closed = 0;
    const agent: AgentOptions = {
      ...agentWith(tts),
      stt: { key: 'parking_stt', inputFormats: [MULAW_8K], stream: () => { throw new Error('unused'); }, park: async ({ format }) => ({ format, close: () => void closed++ }) },
    };
    const registry = new WarmupRegistry({ logger: silentLogger, ttlMs: 30_000 });
    registry.start('ref1', agent, MULAW_8K);
    release();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(closed).toBe(1);
    expect(registry.size).toBe(0);
  });

  it('bounded: past maxEntries ringing calls start cold; close() aborts everything', async () => {
    const { tts, signals } = heldTTS();
    const registry = new WarmupRegistry({ logger: silentLogger, maxEntries: 2 });
    for (const ref of ['a', 'b', 'c']) registry.start(ref, agentWith(tts), MULAW_8K);
    expect(registry.size).toBe(2);
    expect(registry.take('c')).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    registry.close();
    expect(signals.length).toBe(2);
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect(registry.size).toBe(0);
  });

  it('a failing TTS never fails the call: nothing prepared', async () => {
    const tts: TTSProvider = {
      key: 'broken_tts',
      outputFormats: [MULAW_8K],
      // eslint-disable-next-line require-yield
      async *synthesize() {
        throw new Error('vendor down');
      },
    };
    const registry = new WarmupRegistry({ logger: silentLogger });
    registry.start('ref1', agentWith(tts), MULAW_8K);
    await expect(registry.take('ref1')).resolves.toEqual({});
  });
});
