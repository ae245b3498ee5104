// Signal generators and measurements shared by the audio tests (not exported from the package).

/** A sine of `freq` Hz, `amplitude` peak, `seconds` long, as PCM16. */
export function tone(freq: number, rate: number, seconds: number, amplitude = 16000): Int16Array {
  const n = Math.round(rate * seconds);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * freq * i) / rate));
  return out;
}

/**
 * Speech-like test signal: a 150 → 3000 Hz chirp plus two formant-like tones, amplitude modulated
 * at a syllable rate (4 Hz).
 */
export function speechLike(rate: number, seconds: number, amplitude = 12000): Int16Array {
  const n = Math.round(rate * seconds);
  const out = new Int16Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const f = 150 + (2850 * t) / seconds;
    phase += (2 * Math.PI * f) / rate;
    const env = 0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t);
    const v = 0.5 * Math.sin(phase) + 0.3 * Math.sin(2 * Math.PI * 700 * t) + 0.2 * Math.sin(2 * Math.PI * 1800 * t);
    out[i] = Math.round(amplitude * env * v);
  }
  return out;
}

/** Amplitude (peak) of the `freq` component of `x[from..]`, by the Goertzel algorithm. */
export function goertzel(x: ArrayLike<number>, freq: number, rate: number, from = 0): number {
  const w = (2 * Math.PI * freq) / rate;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < x.length; i++) {
    const s = x[i]! + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const power = s1 * s1 + s2 * s2 - c * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / (x.length - from);
}

/** 20·log10(a / b). */
export function db(a: number, b: number): number {
  return 20 * Math.log10(a / b);
}

/** Splits `x` into consecutive pieces of `size` (the last may be shorter). */
export function frames<T extends Int16Array | Uint8Array>(x: T, size: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < x.length; i += size) out.push(x.subarray(i, i + size) as T);
  return out;
}
