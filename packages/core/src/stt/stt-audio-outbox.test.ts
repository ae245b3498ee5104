import { afterEach, describe, expect, it, vi } from 'vitest';
import { PCM16_16K } from '../audio/audio-format.js';
import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import { STTAudioOutbox, type STTAudioOutboxOptions } from './stt-audio-outbox.js';

const FRAME = 640; // 20 ms of PCM16 16 kHz
const SECOND = 32_000;

/** A 20 ms frame whose bytes tell its stream position. */
function frame(pos: number, bytes = FRAME): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (pos + i) % 251;
  return out;
}

let outboxes: STTAudioOutbox[] = [];
afterEach(() => {
  for (const o of outboxes) o.stop();
  outboxes = [];
  vi.useRealTimers();
});

function outbox(options: Partial<STTAudioOutboxOptions> = {}) {
  const counts = { sent: 0, paced: 0 };
  const o = new STTAudioOutbox({
    format: PCM16_16K,
    chunkMs: 0,
    logger: silentLogger,
    onSent: () => counts.sent++,
    onPaced: () => counts.paced++,
    ...options,
  });
  outboxes.push(o);
  /** What a socket received: each message copied (a ring view is valid only until the next write). */
  const messages: Uint8Array[] = [];
  const send = (audio: Uint8Array) => void messages.push(audio.slice());
  return { o, messages, send, counts };
}

/** Where a message starts in the stream (mod 251), read back from its first byte. */
function startOf(message: Uint8Array): number {
  return message[0] ?? -1;
}

describe('STTAudioOutbox', () => {
  it('without coalescing, sends each frame as it comes, the caller\'s own bytes (no copy)', () => {
    const { o } = outbox();
    const sent: Uint8Array[] = [];
    o.attach((audio) => void sent.push(audio));
    const a = frame(0);
    const b = frame(FRAME);
    o.write(a);
    o.write(b);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toBe(a);
    expect(sent[1]).toBe(b);
    expect(o.messagesSent).toBe(2);
    expect(o.pending).toBe(0);
  });

  it('with chunkMs, coalesces frames into one message per chunk and sends a partial chunk on flush(true)', () => {
    const { o, messages, send } = outbox({ chunkMs: 100 });
    o.attach(send);
    for (let pos = 0; pos < 4 * FRAME; pos += FRAME) o.write(frame(pos));
    expect(messages).toHaveLength(0);
    expect(o.pending).toBe(4 * FRAME);
    o.write(frame(4 * FRAME));
    expect(messages.map((m) => m.byteLength)).toEqual([5 * FRAME]);
    expect(Buffer.from(messages[0]!).equals(Buffer.from(Uint8Array.from({ length: 5 * FRAME }, (_, i) => i % 251)))).toBe(true);
    o.write(frame(5 * FRAME));
    o.flush(false);
    expect(messages).toHaveLength(1);
    o.flush(true);
    expect(messages.map((m) => m.byteLength)).toEqual([5 * FRAME, FRAME]);
    expect(startOf(messages[1]!)).toBe((5 * FRAME) % 251);
  });

  it('never sends less than the vendor minimum, even on flush(true), and folds a short remainder into the last message', () => {
    const { o, messages, send } = outbox({ minChunkMs: 50 }); // 1600 bytes
    o.attach(send);
    o.write(frame(0));
    o.write(frame(FRAME));
    o.flush(true);
    expect(messages).toHaveLength(0);
    o.write(frame(2 * FRAME)); // 1920 ≥ 1600: goes out whole
    expect(messages.map((m) => m.byteLength)).toEqual([3 * FRAME]);
    // 100 ms max per message: a 3300-byte backlog is 3200 + 100, and 100 < the minimum, so one message of 3300.
    o.commit(undefined);
    o.detach();
    o.write(new Uint8Array(3300));
    o.attach(send);
    expect(messages.map((m) => m.byteLength)).toEqual([3 * FRAME, 3300]);
  });

  it('with chunkMs, a partial chunk goes out once it waited chunkMs', () => {
    vi.useFakeTimers();
    const { o, messages, send } = outbox({ chunkMs: 100 });
    o.attach(send);
    o.write(frame(0));
    vi.advanceTimersByTime(60);
    expect(messages).toHaveLength(0);
    vi.advanceTimersByTime(60);
    expect(messages.map((m) => m.byteLength)).toEqual([FRAME]);
  });

  it('holds audio while no socket takes it, then replays all since the last commit from the new connection\'s time 0', () => {
    const { o, messages, send, counts } = outbox();
    for (let pos = 0; pos < SECOND; pos += FRAME) o.write(frame(pos)); // 1 s before the socket opens
    expect(o.attached).toBe(false);
    expect(messages).toHaveLength(0);
    o.attach(send);
    expect(o.connectionStartSeconds).toBe(0);
    expect(messages.map((m) => m.byteLength)).toEqual(Array(10).fill(3200)); // the backlog in 100 ms messages
    expect(counts.sent).toBe(10);
    expect(o.messagesSent).toBe(10);

    o.commit(0.5); // the vendor finalized the first half second of this connection
    o.detach();
    o.write(frame(SECOND)); // held while reconnecting
    expect(messages).toHaveLength(10);
    o.attach(send);
    expect(o.connectionStartSeconds).toBe(0.5);
    expect(o.messagesSent).toBe(6);
    const replay = messages.slice(10);
    expect(replay.reduce((n, m) => n + m.byteLength, 0)).toBe(SECOND / 2 + FRAME);
    expect(startOf(replay[0]!)).toBe((SECOND / 2) % 251);
  });

  it('commit() forgets what went out (up to the time given, never past it), and never the unsent audio', () => {
    const { o, messages, send } = outbox({ minChunkMs: 50 }); // 1600 bytes
    o.attach(send);
    for (let pos = 0; pos < 6 * FRAME; pos += FRAME) o.write(frame(pos)); // two messages of 1920
    o.write(frame(6 * FRAME)); // 640 < 1600: held
    expect(messages.map((m) => m.byteLength)).toEqual([3 * FRAME, 3 * FRAME]);
    expect(o.pending).toBe(FRAME);
    o.commit(10); // far past: only up to what went out
    o.detach();
    o.attach(send);
    expect(o.connectionStartSeconds).toBe((6 * FRAME) / SECOND);
    expect(o.pending).toBe(FRAME);
    expect(messages).toHaveLength(2);
    o.write(frame(7 * FRAME));
    o.write(frame(8 * FRAME)); // 1920: out
    expect(o.pending).toBe(0);
    o.commit(0.01); // 10 ms of this connection: 320 bytes
    o.detach();
    o.attach(send); // replays from 320 bytes past the connection's start
    expect(o.connectionStartSeconds).toBe((6 * FRAME + 320) / SECOND);
    expect(messages.map((m) => m.byteLength)).toEqual([3 * FRAME, 3 * FRAME, 3 * FRAME, 3 * FRAME - 320]);
    o.commit(undefined);
    o.detach();
    o.attach(send);
    expect(o.connectionStartSeconds).toBe((9 * FRAME) / SECOND);
    expect(messages).toHaveLength(4);
  });

  it('keeps only maxBufferMs, warning once (with the dropped byte count, no audio) when it drops the oldest', () => {
    const warns: { fields: unknown; msg: string }[] = [];
    const logger: Logger = { ...silentLogger, warn: (fields, msg) => void warns.push({ fields, msg }) };
    const { o, messages, send } = outbox({ maxBufferMs: 200, logger });
    for (let pos = 0; pos < 20 * FRAME; pos += FRAME) o.write(frame(pos)); // 400 ms into 200 ms
    expect(warns).toEqual([{ fields: { droppedBytes: FRAME }, msg: 'stt audio buffer full; oldest audio dropped' }]);
    o.attach(send);
    expect(o.connectionStartSeconds).toBe(0.2);
    expect(messages.reduce((n, m) => n + m.byteLength, 0)).toBe(10 * FRAME);
  });

  it('paces a replayed backlog to the vendor\'s clock and calls onPaced when more may go out', () => {
    vi.useFakeTimers();
    const { o, messages, send, counts } = outbox({ pace: { burstMs: 200, rate: 1 } });
    for (let pos = 0; pos < SECOND; pos += FRAME) o.write(frame(pos));
    o.attach(send);
    expect(messages.map((m) => m.byteLength)).toEqual([3200, 3200]); // the 200 ms burst
    expect(o.waiting).toBe(true);
    vi.advanceTimersByTime(150);
    expect(counts.paced).toBeGreaterThan(0);
    o.flush(false);
    expect(messages.length).toBeGreaterThan(2);
    expect(messages.length).toBeLessThan(10);
  });

  it('sends nothing after detach() or stop(), and stop() clears its timers', () => {
    vi.useFakeTimers();
    const { o, messages, send } = outbox({ chunkMs: 100 });
    o.attach(send);
    o.write(frame(0));
    o.detach();
    o.flush(true);
    expect(messages).toHaveLength(0);
    o.attach(send);
    o.stop();
    o.write(frame(FRAME));
    o.flush(true);
    expect(messages).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
