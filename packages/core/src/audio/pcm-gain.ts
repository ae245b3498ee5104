/** Linear gain for `db` decibels (`-6` → about 0.5). */
export function dbToGain(db: number): number {
  return 10 ** (db / 20);
}

/**
 * Multiplies PCM16 samples by `gain`, rounding and saturating at the int16 limits. Writes into
 * `dst` (defaults to `src`, in place) and returns it.
 */
export function applyGain(src: Int16Array, gain: number, dst: Int16Array = src): Int16Array {
  const n = src.length;
  for (let i = 0; i < n; i++) {
    const v = Math.round(src[i]! * gain);
    dst[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return dst;
}
