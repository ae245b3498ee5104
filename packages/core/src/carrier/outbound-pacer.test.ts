import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MULAW_8K, PCM16_16K } from '../audio/audio-format.js';
import { OutboundPacer } from './outbound-pacer.js';
import { PlaybackTracker } from './playback-tracker.js';

type Sent = { kind: 'frame'; bytes: Uint8Array; at: number } | { kind: 'mark'; name: string; at: number };

function setup(options: { leadMs?: number; format?: typeof MULAW_8K; maxQueuedMs?: number; framesPerSend?: number } = {}) {
  const sent: Sent[] = [];
  const overflow: number[] = [];
  const pacer = new OutboundPacer({
    format: options.format ?? MULAW_8K,
    ...(options.leadMs === undefined ? {} : { leadMs: options.leadMs }),
    ...(options.maxQueuedMs === undefined ? {} : { maxQueuedMs: options.maxQueuedMs }),
    ...(options.framesPerSend === undefined ? {} : { framesPerSend: options.framesPerSend }),
    now: () => Date.now(),
    sendFrame: (frame) => sent.push({ kind: 'frame', bytes: frame.slice(), at: Date.now() }),
    sendMark: (name) => sent.push({ kind: 'mark', name, at: Date.now() }),
    onOverflow: (bytes) => overflow.push(bytes),
  });
  const frames = () => sent.filter((s): s is Extract<Sent, { kind: 'frame' }> => s.kind === 'frame');
  return { pacer, sent, frames, overflow };
}

function ramp(length: number, start = 0): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (start + i) % 251);
}

describe('OutboundPacer', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('cuts any-length audio into 160-byte μ-law frames in order, paced at 20 ms with a bounded lead', async () => {
    const { pacer, frames } = setup({ leadMs: 80 });
    const audio = ramp(8000); // 1 s
    pacer.push(audio.subarray(0, 333));
    pacer.push(audio.subarray(333, 5000));
    pacer.push(audio.subarray(5000));
    expect(frames()).toHaveLength(5); // 100 ms sent at once: the lead plus the frame playing now
    await vi.advanceTimersByTimeAsync(500);
    const midway = frames().length;
    expect(midway).toBeGreaterThanOrEqual(29);
    expect(midway).toBeLessThanOrEqual(31);
    await vi.advanceTimersByTimeAsync(600);
    const all = frames();
    expect(all).toHaveLength(50);
    expect(all.every((f) => f.bytes.byteLength === 160)).toBe(true);
    const joined = new Uint8Array(8000);
    all.forEach((f, i) => joined.set(f.bytes, i * 160));
    expect(joined).toEqual(audio);
    // After the initial burst, one frame every 20 ms.
    const gaps = all.slice(6).map((f, i) => f.at - all[i + 5]!.at);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(21);
    expect(pacer.idle()).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with framesPerSend 2, sends frames due together in one call: half the sends, same audio, same real-time pace', async () => {
    const { pacer, frames } = setup({ leadMs: 80, framesPerSend: 2 });
    const audio = ramp(8000); // 1 s
    pacer.push(audio.subarray(0, 333));
    pacer.push(audio.subarray(333));
    expect(frames().map((f) => f.bytes.byteLength)).toEqual([320, 320, 320]); // the lead, two frames a send
    await vi.advanceTimersByTimeAsync(500);
    // Never ahead of real time by more than lead + two frames.
    expect(frames().reduce((n, f) => n + f.bytes.byteLength, 0)).toBeLessThanOrEqual(160 * (25 + 7));
    await vi.advanceTimersByTimeAsync(600);
    const all = frames();
    expect(all).toHaveLength(25);
    expect(all.every((f) => f.bytes.byteLength === 320)).toBe(true);
    const joined = new Uint8Array(8000);
    all.forEach((f, i) => joined.set(f.bytes, i * 320));
    expect(joined).toEqual(audio);
    const gaps = all.slice(4).map((f, i) => f.at - all[i + 3]!.at);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(41);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with framesPerSend 2, a mark still goes right after the frame before it (no padding inside the audio)', () => {
    const { pacer, sent } = setup({ leadMs: 200, framesPerSend: 2 });
    pacer.push(ramp(160)); // the first frame, then the mark (how heard-latency marks are placed)
    pacer.mark('first');
    pacer.push(ramp(480, 160));
    pacer.mark('end');
    expect(sent.map((s) => (s.kind === 'frame' ? s.bytes.byteLength : s.name))).toEqual([160, 'first', 320, 160, 'end']);
    const audio = Buffer.concat(sent.flatMap((s) => (s.kind === 'frame' ? [s.bytes] : [])));
    expect(audio).toEqual(Buffer.from(ramp(640)));
  });

  it('refuses a framesPerSend that is not a whole number from 1 to 50', () => {
    for (const framesPerSend of [0, 1.5, 51]) {
      expect(() => setup({ framesPerSend })).toThrow(/framesPerSend/);
    }
  });

  it('keeps marks in place and pads a partial frame before a mark with silence', () => {
    const { pacer, sent } = setup({ leadMs: 200 });
    pacer.push(ramp(400));
    pacer.mark('m1');
    pacer.push(ramp(160, 7));
    const shape = sent.map((s) => (s.kind === 'mark' ? s.name : s.bytes.byteLength));
    expect(shape).toEqual([160, 160, 160, 'm1', 160]);
    const third = sent[2] as Extract<Sent, { kind: 'frame' }>;
    expect([...third.bytes.subarray(0, 80)]).toEqual([...ramp(400).subarray(320)]);
    expect(third.bytes.subarray(80).every((b) => b === 0xff)).toBe(true);
  });

  it('holds a partial frame while audio flows, pads and flushes it once the audio stopped and the carrier ran dry', async () => {
    const { pacer, frames } = setup({ leadMs: 80 });
    pacer.push(ramp(160 * 5 + 50));
    expect(frames()).toHaveLength(5);
    await vi.advanceTimersByTimeAsync(40);
    expect(frames()).toHaveLength(5); // 60 ms still buffered: wait for more audio
    pacer.push(ramp(110, 50));
    expect(frames()).toHaveLength(6);
    pacer.push(ramp(50));
    await vi.advanceTimersByTimeAsync(200);
    expect(frames()).toHaveLength(7);
    expect(frames()[6]!.bytes.subarray(50).every((b) => b === 0xff)).toBe(true);
  });

  it('carries the remainder of 30 ms chunks into the next chunk: no silence inside the audio, padding only after the utterance', async () => {
    for (const everyMs of [25, 30]) {
      const { pacer, sent } = setup({ leadMs: 80 });
      const audio = ramp(240 * 10); // ten 30 ms chunks
      for (let i = 0; i < 10; i++) {
        pacer.push(audio.subarray(i * 240, (i + 1) * 240));
        await vi.advanceTimersByTimeAsync(everyMs);
      }
      pacer.mark('end');
      await vi.advanceTimersByTimeAsync(500);
      const shape = sent.map((s) => (s.kind === 'mark' ? s.name : s.bytes.byteLength));
      expect(shape).toEqual([...Array.from({ length: 15 }, () => 160), 'end']);
      const joined = new Uint8Array(15 * 160);
      sent.forEach((s, i) => s.kind === 'frame' && joined.set(s.bytes, i * 160));
      expect(joined).toEqual(audio.subarray(0, 2400)); // 2400 bytes = 15 whole frames: nothing padded
      pacer.clear();
    }
  });

  it('pads the partial last frame only when the utterance ends: at its mark, or once no audio came for tailHoldMs', async () => {
    const { pacer, frames } = setup({ leadMs: 80 });
    pacer.push(ramp(240));
    await vi.advanceTimersByTimeAsync(60); // the carrier ran dry 40 ms ago; the tail is still held
    expect(frames()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200); // no more audio: the tail goes out, padded
    expect(frames()).toHaveLength(2);
    expect([...frames()[1]!.bytes.subarray(0, 80)]).toEqual([...ramp(240).subarray(160)]);
    expect(frames()[1]!.bytes.subarray(80).every((b) => b === 0xff)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an unmarked utterance ending in a partial frame: the padded tail follows the last whole frame without a gap', async () => {
    const { pacer, frames } = setup({ leadMs: 80 });
    const audio = ramp(160 * 50 + 80); // 1 s and 10 ms, pushed at once (an engine's reply without a mark)
    pacer.push(audio);
    await vi.advanceTimersByTimeAsync(2_000);
    const all = frames();
    expect(all).toHaveLength(51);
    const tail = all[50]!;
    expect([...tail.bytes.subarray(0, 80)]).toEqual([...audio.subarray(8000)]);
    expect(tail.bytes.subarray(80).every((b) => b === 0xff)).toBe(true);
    // The carrier plays the 50 whole frames until t0 + 1000 ms: the tail reaches it before that, so no hole.
    expect(tail.at - all[0]!.at).toBeLessThanOrEqual(1_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clear drops queued audio and unsent marks and stops the timer', () => {
    const { pacer, frames } = setup();
    pacer.push(ramp(8000));
    pacer.mark('end');
    expect(pacer.queuedMs()).toBeCloseTo(900, 0);
    expect(pacer.clear()).toEqual(['end']);
    expect(pacer.queuedMs()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    pacer.push(ramp(160));
    expect(frames()).toHaveLength(6); // a new utterance starts at once
  });

  it('positionMs: a mark after a partial frame pads it in the queue at once, so the position is exact before anything is sent', () => {
    const { pacer, sent } = setup({ leadMs: 0 });
    pacer.push(ramp(160 * 3 + 80)); // 70 ms: with no lead, one frame goes out now, the rest waits
    expect(pacer.positionMs()).toBe(70);
    pacer.mark('s1');
    expect(pacer.positionMs()).toBe(80); // the 10 ms of padding the mark needs, counted now
    expect(pacer.queuedMs()).toBe(60);
    pacer.push(ramp(240)); // the next sentence starts on the frame boundary
    expect(pacer.positionMs()).toBe(110);
    pacer.mark('s2');
    expect(pacer.positionMs()).toBe(120);
    pacer.mark('s3'); // nothing partial: no padding
    expect(pacer.positionMs()).toBe(120);
    expect(sent.filter((s) => s.kind === 'frame')).toHaveLength(1);
  });

  it('positionMs: tail padding (no mark) is counted when the padded frame is sent; clear resets it', async () => {
    const { pacer, frames } = setup({ leadMs: 80 });
    pacer.push(ramp(240));
    expect(pacer.positionMs()).toBe(30);
    await vi.advanceTimersByTimeAsync(300); // no more audio: the tail goes out padded
    expect(frames()).toHaveLength(2);
    expect(pacer.positionMs()).toBe(40);
    pacer.push(ramp(100));
    expect(pacer.positionMs()).toBe(52.5);
    pacer.clear();
    expect(pacer.positionMs()).toBe(0);
    pacer.push(ramp(160));
    expect(pacer.positionMs()).toBe(20);
    pacer.close();
  });

  it('positionMs agrees with the playback tracker once everything is sent (marks, tail holds, odd chunks, several frames a send)', async () => {
    for (const framesPerSend of [1, 3]) {
      const tracker = new PlaybackTracker({ now: () => Date.now() });
      const pacer = new OutboundPacer({
        format: MULAW_8K,
        framesPerSend,
        now: () => Date.now(),
        sendFrame: (frame) => tracker.onAudioSent((frame.byteLength / 160) * 20),
        sendMark: (name) => tracker.onMarkSent(name),
      });
      let n = 0;
      for (const [bytes, then] of [[333, 'mark'], [70, 'wait'], [1000, 'mark'], [160, 'mark'], [7, 'wait'], [481, 'none']] as const) {
        pacer.push(ramp(bytes));
        if (then === 'mark') pacer.mark(`m${++n}`);
        else if (then === 'wait') await vi.advanceTimersByTimeAsync(400); // the tail is sent padded
      }
      await vi.advanceTimersByTimeAsync(2_000);
      expect(pacer.idle()).toBe(true);
      // Bytes, each padded to whole 160-byte frames: 333→480 (mark), 70→160 (tail), 1000→1120 (mark),
      // 160, 7→160 (tail), 481→640 (tail); 8 bytes a ms.
      expect(pacer.positionMs()).toBe((480 + 160 + 1120 + 160 + 160 + 640) / 8);
      expect(tracker.totalSentMs()).toBe(pacer.positionMs());
      pacer.close();
    }
  });

  it('frames PCM16 16 kHz as 640 bytes and pads with zeros', () => {
    const { pacer, frames } = setup({ format: PCM16_16K });
    pacer.push(ramp(700));
    pacer.mark('x');
    expect(frames().map((f) => f.bytes.byteLength)).toEqual([640, 640]);
    expect(frames()[1]!.bytes.subarray(60).every((b) => b === 0)).toBe(true);
  });

  it('drops audio beyond the queue bound and does nothing after close', () => {
    const { pacer, frames, overflow } = setup({ maxQueuedMs: 1000 });
    pacer.push(ramp(8000));
    pacer.push(ramp(800)); // 800 bytes were sent, so this still fits
    pacer.push(ramp(1));
    expect(overflow).toEqual([1]);
    pacer.close();
    pacer.push(ramp(160));
    pacer.mark('late');
    expect(frames()).toHaveLength(5);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('lets go of audio once it is sent: a played chunk is not kept alive while later audio waits', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { pacer, frames } = setup({ leadMs: 80 });
    let played: Uint8Array | undefined = ramp(960); // 120 ms: 100 ms sent at once (the lead plus the frame playing now)
    const playedBuffer = new WeakRef(played.buffer);
    pacer.push(played);
    played = undefined;
    pacer.push(ramp(16_000)); // 2 s queued behind it
    await vi.advanceTimersByTimeAsync(20); // its last frame goes
    expect(frames()).toHaveLength(6);
    // The collector runs on real time, outside the faked timers.
    vi.useRealTimers();
    for (let i = 0; i < 3 && playedBuffer.deref() !== undefined; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    expect(playedBuffer.deref()).toBeUndefined();
    pacer.close();
  });
});

