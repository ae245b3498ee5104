/**
 * Deterministic noise for the VAD bench, as PCM16 samples at `rate`, scaled to an RMS level:
 * line hiss (white + pink), music (a chord progression with harmonics and a melody), keyboard
 * (typing clicks in bursts). Babble comes from a fixture (espeak voices mixed).
 */

/** A small seeded PRNG (mulberry32): the same noise on every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** White noise plus pink noise (Paul Kellet's filter), equal parts. */
export function hiss(seconds: number, rate: number, seed = 1): Float64Array {
  const rnd = random(seed);
  const out = new Float64Array(Math.round(seconds * rate));
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
  for (let i = 0; i < out.length; i++) {
    const white = rnd() * 2 - 1;
    b0 = 0.99886 * b0 + white * 0.0555179;
    b1 = 0.99332 * b1 + white * 0.0750759;
    b2 = 0.969 * b2 + white * 0.153852;
    b3 = 0.8665 * b3 + white * 0.3104856;
    b4 = 0.55 * b4 + white * 0.5329522;
    b5 = -0.7616 * b5 - white * 0.016898;
    const pink = (b0 + b1 + b2 + b3 + b4 + b5 + b6 + white * 0.5362) * 0.11;
    b6 = white * 0.115926;
    out[i] = white * 0.5 + pink;
  }
  return out;
}

const NOTE = (semitonesFromA4: number) => 440 * 2 ** (semitonesFromA4 / 12);
/** C major, A minor, F major, G major (semitones from A4), two seconds each. */
const CHORDS = [[-9, -5, -2], [-12, -9, -5], [-16, -12, -9], [-14, -10, -7]];
const MELODY = [3, 5, 7, 8, 7, 5, 3, 0, 2, 3, 5, 3, 2, -2, 0, 2];

/** Piano-like music: chords struck each beat (500 ms) with four decaying harmonics, and a melody. */
export function music(seconds: number, rate: number): Float64Array {
  const out = new Float64Array(Math.round(seconds * rate));
  const beat = Math.round(rate / 2);
  for (let i = 0; i < out.length; i++) {
    const t = i / rate;
    const b = Math.floor(i / beat);
    const sinceBeat = (i % beat) / rate;
    const chord = CHORDS[Math.floor(b / 4) % CHORDS.length]!;
    const envelope = Math.exp(-sinceBeat * 4) * Math.min(1, sinceBeat * 200);
    let v = 0;
    for (const note of chord) {
      const f = NOTE(note);
      for (let h = 1; h <= 4; h++) v += (Math.sin(2 * Math.PI * f * h * t) / h ** 1.5) * envelope;
    }
    const m = NOTE(MELODY[b % MELODY.length]! + 12);
    v += 0.8 * Math.sin(2 * Math.PI * m * t) * Math.exp(-sinceBeat * 3) * Math.min(1, sinceBeat * 200);
    out[i] = v;
  }
  return out;
}

/** Typing: key clicks 70–250 ms apart in bursts of 3–12 keys, with pauses; press and release clicks. */
export function keyboard(seconds: number, rate: number, seed = 3): Float64Array {
  const rnd = random(seed);
  const out = new Float64Array(Math.round(seconds * rate));
  const click = (at: number, amplitude: number, ms: number) => {
    let lp = 0;
    const n = Math.round((ms / 1000) * rate);
    for (let i = 0; i < n && at + i < out.length; i++) {
      lp = 0.6 * lp + 0.4 * (rnd() * 2 - 1);
      out[at + i]! += amplitude * lp * Math.exp(-i / (n / 4));
    }
  };
  let at = Math.round(0.1 * rate);
  while (at < out.length) {
    const keys = 3 + Math.floor(rnd() * 10);
    for (let k = 0; k < keys && at < out.length; k++) {
      click(at, 1, 6 + rnd() * 6);
      click(at + Math.round((0.04 + rnd() * 0.04) * rate), 0.5, 4 + rnd() * 4);
      at += Math.round((0.07 + rnd() * 0.18) * rate);
    }
    at += Math.round((0.3 + rnd() * 1.2) * rate);
  }
  return out;
}

/** `samples` repeated or cut to `length`. */
export function loop(samples: Float64Array, length: number): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = samples[i % samples.length]!;
  return out;
}

/** RMS of samples (same scale as the samples). */
export function rms(samples: Float64Array): number {
  let sum = 0;
  for (const v of samples) sum += v * v;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

/** A copy scaled to `target` RMS. */
export function scaled(samples: Float64Array, target: number): Float64Array {
  const gain = target / (rms(samples) || 1);
  return samples.map((v) => v * gain);
}
