/** Chunk sizes a network might deliver: odd ones included, so a sample or a line is split across reads. */
export const IRREGULAR_SIZES: readonly number[] = [1, 3, 64, 2, 7, 500, 33, 1000];

/** `bytes` cut at irregular offsets (the sizes repeat), as a fake streams a body to test reassembly. */
export function irregularChunks(bytes: Uint8Array, sizes: readonly number[] = IRREGULAR_SIZES): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let offset = 0, i = 0; offset < bytes.length; i++) {
    const size = sizes[i % sizes.length] as number;
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}
