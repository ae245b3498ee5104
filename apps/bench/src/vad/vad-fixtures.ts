import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseWav } from '@patter/testing';

/** The committed fixtures (`scripts/make-vad-fixtures.sh`): from `dist/` or from `src/vad/`. */
function directory(): string {
  for (const relative of ['../fixtures/vad/', '../../fixtures/vad/']) {
    const path = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('apps/bench/fixtures/vad not found');
}

/** A fixture's samples as floats (−1…1), 8 kHz. */
function load(name: string): Float64Array {
  const { format, data } = parseWav(new Uint8Array(readFileSync(directory() + name)));
  if (format.encoding !== 'pcm16' || format.sampleRate !== 8000) throw new Error(`${name}: expected PCM16 8 kHz`);
  const pcm = new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  return Float64Array.from(pcm, (v) => v / 32768);
}

/** The caller utterances, each at −20 dBFS RMS. */
export function speechClips(): Float64Array[] {
  return readdirSync(directory())
    .filter((f) => /^speech-\d+\.wav$/.test(f))
    .sort()
    .map(load);
}

/** 15 s of six espeak voices talking at once, at −20 dBFS RMS. */
export function babble(): Float64Array {
  return load('babble.wav');
}
