import { MULAW_8K, type VADProvider } from '@patter/core';
import { encodeMulaw } from '@patter/core/plugin';

/** The session's barge-in rule on voiced frames: 250 ms of voice, gaps under 200 ms tolerated. */
export class BargeInCounter {
  private voicedMs = 0;
  private silentMs = 0;
  constructor(private readonly minMs = 250) {}

  /** True when this frame completes a barge-in (the count restarts after one). */
  push(voiced: boolean, frameMs: number): boolean {
    if (!voiced) {
      this.silentMs += frameMs;
      if (this.silentMs >= 200) this.voicedMs = 0;
      return false;
    }
    this.silentMs = 0;
    this.voicedMs += frameMs;
    if (this.voicedMs < this.minMs) return false;
    this.voicedMs = 0;
    return true;
  }

  reset(): void {
    this.voicedMs = 0;
    this.silentMs = 0;
  }
}

const FRAME = 160;
const FRAME_MS = 20;

/** μ-law frames (what a carrier sends) of float samples at 8 kHz, clipped. */
export function mulawFrames(samples: Float64Array): Uint8Array[] {
  const pcm = Int16Array.from(samples, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32768))));
  const frames: Uint8Array[] = [];
  for (let i = 0; i + FRAME <= pcm.length; i += FRAME) {
    const out = new Uint8Array(FRAME);
    encodeMulaw(pcm.subarray(i, i + FRAME), out);
    frames.push(out);
  }
  return frames;
}

/** What a detector that runs a model asynchronously offers to wait on (Silero's `settled()`). */
interface Settles {
  settled?: () => Promise<void>;
}

/**
 * Feeds frames one by one as a call would (waiting for an asynchronous detector's windows between
 * frames, as 20 ms of real time would), and reports the frames whose barge-in fired. `needed`
 * plays the session's part: whether the agent is speaking at that frame.
 */
export async function bargeIns(
  vad: VADProvider,
  frames: readonly Uint8Array[],
  resetAt = -1,
  needed?: (frame: number) => boolean,
): Promise<number[]> {
  const detector = vad.create(MULAW_8K, { silenceMs: 700 });
  const counter = new BargeInCounter();
  const fired: number[] = [];
  for (let f = 0; f < frames.length; f++) {
    if (f === resetAt) counter.reset();
    if (needed) detector.setNeeded?.(needed(f));
    detector.push(frames[f]!);
    await (detector as Settles).settled?.();
    if (counter.push(detector.lastVoiced, FRAME_MS)) fired.push(f);
  }
  detector.close?.();
  return fired;
}

export { FRAME_MS };
