/**
 * Zero-copy views between PCM16 bytes (signed 16-bit little-endian, the wire format) and
 * `Int16Array` samples. Every platform Node runs on is little-endian, so a view is enough; a
 * copy is made only when the bytes start at an odd offset (an `Int16Array` must be 2-aligned).
 */

/**
 * The samples in `bytes`, sharing its memory when `bytes.byteOffset` is even (writes go through),
 * copied otherwise. A trailing odd byte is not part of the result.
 */
export function pcm16Samples(bytes: Uint8Array): Int16Array {
  const count = bytes.length >> 1;
  if ((bytes.byteOffset & 1) === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, count);
  const copy = new Int16Array(count);
  new Uint8Array(copy.buffer).set(bytes.subarray(0, count * 2));
  return copy;
}

/** The bytes of `samples` (little-endian PCM16), sharing its memory. */
export function pcm16Bytes(samples: Int16Array): Uint8Array {
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}
