/** Slab size: a retained frame keeps at most this much memory alive. */
const SLAB_BYTES = 16 * 1024;
/** Larger copies get their own array. */
const MAX_SLAB_COPY = SLAB_BYTES / 4;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;

/**
 * A copy of `bytes` in a fresh array that does not allocate a backing store per frame: small
 * copies are carved out of a shared 16 KiB slab (8-byte aligned, so PCM16 views stay aligned),
 * as Node's `Buffer.allocUnsafe` does. The copy is the caller's to keep or modify; it only
 * shares the slab's memory, never its bytes, with other copies.
 */
export function copyFrame(bytes: Uint8Array): Uint8Array {
  const length = bytes.byteLength;
  if (length > MAX_SLAB_COPY) return bytes.slice();
  if (used + length > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const copy = new Uint8Array(slab, used, length);
  copy.set(bytes);
  used = (used + length + 7) & ~7;
  return copy;
}
