import { afterEach, describe, expect, it, vi } from 'vitest';
import { MULAW_8K } from '../../audio/audio-format.js';
import { comfortTone } from '../../audio/comfort-tone.js';
import { decodeSamples } from '../../audio/encode-samples.js';
import { silentLogger } from '../../log/logger.js';
import { HoldAudioPlayer, type HoldAudioSink } from './hold-audio-player.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A carrier that plays 8 bytes (1 ms of μ-law) per ms of the (fake) clock. */
function playingSink() {
  const sent: Uint8Array[] = [];
  let queuedMs = 0;
  let last = Date.now();
  const drain = (): void => {
    const now = Date.now();
    queuedMs = Math.max(0, queuedMs - (now - last));
    last = now;
  };
  const sink: HoldAudioSink = {
    format: MULAW_8K,
    send: (audio) => {
      drain();
      sent.push(audio.slice());
      queuedMs += audio.length / 8;
    },
    pendingMs: () => {
      drain();
      return queuedMs;
    },
  };
  return { sink, sent, bytes: () => sent.reduce((n, a) => n + a.length, 0) };
}

function player(sink: HoldAudioSink, options: { clip?: Uint8Array; loop?: boolean; canStart?: () => boolean } = {}) {
  return new HoldAudioPlayer({
    afterMs: 1_000,
    clip: () => options.clip ?? comfortTone(MULAW_8K),
    loop: options.loop ?? true,
    sink,
    canStart: options.canStart ?? (() => true),
    logger: silentLogger,
    callId: () => 'CA1',
  });
}

describe('HoldAudioPlayer', () => {
  it('a tool done before afterMs: nothing is played and no timer is left', async () => {
    vi.useFakeTimers();
    const { sink, sent } = playingSink();
    const hold = player(sink);
    hold.toolStarted();
    await vi.advanceTimersByTimeAsync(900);
    hold.toolFinished();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sent).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('plays the clip in real time from afterMs, a little ahead of the carrier, looped, while the agent is silent', async () => {
    vi.useFakeTimers();
    const { sink, bytes } = playingSink();
    let agentSilent = false;
    const hold = player(sink, { canStart: () => agentSilent });
    hold.toolStarted();
    await vi.advanceTimersByTimeAsync(1_500);
    expect(bytes()).toBe(0); // the agent is still talking
    agentSilent = true;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(hold.playing).toBe(true);
    // ~3 s of audio (looped past the 1.2 s clip), never more than ~150 ms ahead.
    expect(bytes()).toBeGreaterThan(8 * 2_900);
    expect(bytes()).toBeLessThan(8 * 3_200);
    hold.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('the reply starting fades the hold out (80 ms ramp to silence) and stops it; a tool still running does not restart it', async () => {
    vi.useFakeTimers();
    const { sink, sent, bytes } = playingSink();
    const clip = new Uint8Array(8_000).fill(0x80); // loud μ-law, constant
    const hold = player(sink, { clip });
    hold.toolStarted();
    await vi.advanceTimersByTimeAsync(1_300);
    const before = sent.length;
    expect(hold.speechStarted()).toBe(true);
    const fade = decodeSamples(sent[before] as Uint8Array, MULAW_8K);
    expect(fade.length).toBe(640);
    expect(Math.abs(fade[0] as number)).toBeGreaterThan(Math.abs(fade[600] as number));
    expect(Math.abs(fade[639] as number)).toBeLessThan(100);
    const total = bytes();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(bytes()).toBe(total);
    expect(hold.playing).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a filler (loop false) is played once; a barge-in (reset without fade) sends nothing more', async () => {
    vi.useFakeTimers();
    const { sink, bytes, sent } = playingSink();
    const hold = player(sink, { clip: new Uint8Array(1_600).fill(0x80), loop: false });
    hold.toolStarted();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(bytes()).toBe(1_600);
    const count = sent.length;
    hold.reset(false);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(sent.length).toBe(count);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a sink that never reports queued audio is not flooded (one queue worth per tick)', async () => {
    vi.useFakeTimers();
    let sentBytes = 0;
    const hold = player({ format: MULAW_8K, send: (a) => void (sentBytes += a.length), pendingMs: () => 0 });
    hold.toolStarted();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sentBytes).toBeLessThanOrEqual(8 * 200);
    hold.close();
  });
});
