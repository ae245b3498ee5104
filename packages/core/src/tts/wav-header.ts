/** Longest RIFF header we look through for the `data` chunk before giving up. */
const MAX_HEADER_BYTES = 4096;

/**
 * The length of the RIFF/WAVE header at the start of `bytes`, up to and including the `data`
 * chunk's 8-byte header (so `bytes.subarray(n)` is the samples). Walks the chunks instead of
 * assuming 44 bytes (`LIST`/`fact` chunks happen). Returns 0 when `bytes` does not start with a
 * RIFF header, and -1 when it does but the header is not complete yet.
 */
export function wavHeaderLength(bytes: Uint8Array): number {
  if (bytes.length < 4) return startsLikeRiff(bytes) ? -1 : 0;
  if (!isAscii(bytes, 0, 'RIFF')) return 0;
  if (bytes.length < 12) return -1;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    if (isAscii(bytes, offset, 'data')) return offset + 8;
    const size = readUint32(bytes, offset + 4);
    offset += 8 + size + (size & 1);
    if (offset > MAX_HEADER_BYTES) return Math.min(bytes.length, 44);
  }
  return bytes.length >= MAX_HEADER_BYTES ? Math.min(bytes.length, 44) : -1;
}

/**
 * Strips a WAV header from the start of a chunk that carries a whole one (vendors that put a
 * header on every chunk). A truncated header drops the standard 44 bytes. No copy.
 */
export function stripWavHeader(chunk: Uint8Array): Uint8Array {
  const length = wavHeaderLength(chunk);
  if (length === 0) return chunk;
  return chunk.subarray(length === -1 ? Math.min(chunk.length, 44) : length);
}

/**
 * Strips the WAV header at the start of a byte stream whose header may be split across
 * chunks: bytes are held only until the header is complete (bounded), then everything passes
 * through untouched. A stream without a header passes through from the first byte.
 */
export class WavHeaderStripper {
  private head: Uint8Array | undefined;
  private done = false;

  /** The audio part of `chunk` (empty while the header is still arriving). */
  push(chunk: Uint8Array): Uint8Array {
    if (this.done) return chunk;
    let bytes = chunk;
    if (this.head) {
      bytes = new Uint8Array(this.head.length + chunk.length);
      bytes.set(this.head);
      bytes.set(chunk, this.head.length);
    }
    const length = wavHeaderLength(bytes);
    if (length === -1) {
      this.head = bytes;
      return bytes.subarray(0, 0);
    }
    this.done = true;
    this.head = undefined;
    return length === 0 ? bytes : bytes.subarray(length);
  }
}

function startsLikeRiff(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 'RIFF'.charCodeAt(i)) return false;
  return true;
}

function isAscii(bytes: Uint8Array, offset: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[offset + i] !== text.charCodeAt(i)) return false;
  return true;
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset] as number) |
      ((bytes[offset + 1] as number) << 8) |
      ((bytes[offset + 2] as number) << 16) |
      ((bytes[offset + 3] as number) << 24)) >>>
    0
  );
}
