/** Root mean square of PCM16 samples, in sample units (0–32768). 0 for no samples. */
export function pcm16Rms(samples: Int16Array): number {
  const n = samples.length;
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const s = samples[i]!;
    sum += s * s;
  }
  return Math.sqrt(sum / n);
}

/**
 * RMS level in dBFS, relative to a full-scale square wave (a full-scale sine is −3 dBFS).
 * `-Infinity` for digital silence.
 */
export function pcm16Dbfs(samples: Int16Array): number {
  const rms = pcm16Rms(samples);
  return rms === 0 ? -Infinity : 20 * Math.log10(rms / 32768);
}

/** Whether the frame's RMS level is below `thresholdDbfs` (default −50 dBFS). */
export function isSilent(samples: Int16Array, thresholdDbfs = -50): boolean {
  return pcm16Dbfs(samples) < thresholdDbfs;
}
