import { g711 } from './g711.js';
import { ConfigError } from '../errors/config-error.js';

/**
 * G.711 μ-law, table driven. The tables are built once from `alawmulaw`, so the output is
 * identical to it, at a table lookup per sample.
 */
const DECODE = new Int16Array(256);
for (let code = 0; code < 256; code++) DECODE[code] = g711.mulaw.decodeSample(code);
/** Indexed by the sample's 16 bits; built on first use (about 10 ms). */
let ENCODE: Uint8Array | undefined;

function encodeTable(): Uint8Array {
  const table = new Uint8Array(65536);
  for (let s = 0; s < 65536; s++) table[s] = g711.mulaw.encodeSample(s < 32768 ? s : s - 65536);
  return (ENCODE = table);
}

/** Decodes `src.length` μ-law bytes into `dst` (which must be at least as long). Returns the count. */
export function decodeMulaw(src: Uint8Array, dst: Int16Array): number {
  const n = src.length;
  checkLength(n, dst.length);
  for (let i = 0; i < n; i++) dst[i] = DECODE[src[i]!]!;
  return n;
}

/** Encodes `src.length` PCM16 samples into `dst` (which must be at least as long). Returns the count. */
export function encodeMulaw(src: Int16Array, dst: Uint8Array): number {
  const n = src.length;
  checkLength(n, dst.length);
  const table = ENCODE ?? encodeTable();
  for (let i = 0; i < n; i++) dst[i] = table[src[i]! & 0xffff]!;
  return n;
}

/** Allocating form of `decodeMulaw`. */
export function mulawToPcm16(src: Uint8Array): Int16Array {
  const dst = new Int16Array(src.length);
  decodeMulaw(src, dst);
  return dst;
}

/** Allocating form of `encodeMulaw`. */
export function pcm16ToMulaw(src: Int16Array): Uint8Array {
  const dst = new Uint8Array(src.length);
  encodeMulaw(src, dst);
  return dst;
}

function checkLength(need: number, have: number): void {
  if (have < need) throw new ConfigError('dst', `output buffer holds ${have} samples, ${need} needed`);
}
