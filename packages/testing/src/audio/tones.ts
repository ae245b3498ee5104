export interface SineWaveOptions {
  readonly frequency?: number;
  readonly durationMs?: number;
  readonly sampleRate?: number;
  /** Peak amplitude, 0..1 of full scale. */
  readonly amplitude?: number;
}

/** A sine tone as PCM16 samples (default 440 Hz, 1 s, 16 kHz, half scale). */
export function sineWave(options: SineWaveOptions = {}): Int16Array {
  const { frequency = 440, durationMs = 1000, sampleRate = 16_000, amplitude = 0.5 } = options;
  const out = new Int16Array(Math.round((durationMs * sampleRate) / 1000));
  const step = (2 * Math.PI * frequency) / sampleRate;
  for (let i = 0; i < out.length; i++) out[i] = Math.round(Math.sin(i * step) * amplitude * 32767);
  return out;
}

/** Silence as PCM16 samples. */
export function silence(durationMs: number, sampleRate = 16_000): Int16Array {
  return new Int16Array(Math.round((durationMs * sampleRate) / 1000));
}
