import type { AudioFormat } from './audio-format.js';
import { encodeSamples } from './encode-samples.js';

/** One period of the pattern: two soft notes, then a pause (ms). */
export const COMFORT_TONE_PERIOD_MS = 1200;
/** Peak amplitude of the notes: about -26 dBFS, a quiet chime under a phone line's level. */
const PEAK = 1600;
/** The two notes (Hz, start ms, length ms): A4 then C#5, a major third. */
const NOTES = [
  { hz: 440, at: 0, ms: 260 },
  { hz: 554.37, at: 320, ms: 260 },
] as const;
/** Raised-cosine attack and release of each note (ms): no clicks. */
const EDGE_MS = 40;

const cache = new Map<string, Uint8Array>();

/**
 * The built-in hold sound: one 1.2 s period of a soft two-note chime (440 Hz, 554 Hz, raised
 * cosine edges, about -26 dBFS) followed by silence, synthesized in code at `format`'s rate and
 * encoding. Deterministic, and looped by the hold player; cached per format (read-only).
 */
export function comfortTone(format: AudioFormat): Uint8Array {
  const key = `${format.encoding}/${format.sampleRate}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const rate = format.sampleRate;
  const samples = new Int16Array(Math.round((COMFORT_TONE_PERIOD_MS * rate) / 1000));
  const edge = (EDGE_MS * rate) / 1000;
  for (const note of NOTES) {
    const start = Math.round((note.at * rate) / 1000);
    const length = Math.round((note.ms * rate) / 1000);
    const step = (2 * Math.PI * note.hz) / rate;
    for (let i = 0; i < length; i++) {
      const fromEdge = Math.min(i, length - 1 - i);
      const envelope = fromEdge >= edge ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * fromEdge) / edge);
      samples[start + i] = Math.round(PEAK * envelope * Math.sin(step * i));
    }
  }
  const clip = encodeSamples(samples, format);
  cache.set(key, clip);
  return clip;
}
