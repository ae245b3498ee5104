const EMPTY = new Uint8Array(0);

/**
 * Re-aligns a byte stream of multi-byte samples (PCM16) so every chunk it returns holds whole
 * samples: an odd trailing byte is carried into the next chunk. A chunk that is already aligned
 * with nothing carried is returned as is (no copy, no allocation); only a chunk that must be
 * joined with a carried byte is copied once. With 1-byte samples (G.711) it is a pass-through.
 */
export class SampleAligner {
  private carry = -1;

  constructor(private readonly sampleBytes: 1 | 2 = 2) {}

  /** Bytes held back (0 or 1). */
  get pending(): number {
    return this.carry === -1 ? 0 : 1;
  }

  /** The whole samples of `carried byte + chunk`; may be empty. */
  push(chunk: Uint8Array): Uint8Array {
    if (this.sampleBytes === 1 || chunk.length === 0) return chunk;
    if (this.carry === -1) {
      if ((chunk.length & 1) === 0) return chunk;
      this.carry = chunk[chunk.length - 1] as number;
      return chunk.length === 1 ? EMPTY : chunk.subarray(0, chunk.length - 1);
    }
    const total = chunk.length + 1;
    const usable = total & ~1;
    const out = new Uint8Array(usable);
    out[0] = this.carry;
    out.set(chunk.subarray(0, usable - 1), 1);
    this.carry = usable === total ? -1 : (chunk[chunk.length - 1] as number);
    return out;
  }

  /** Ends the stream: returns how many bytes (0 or 1) of an incomplete sample were dropped. */
  flush(): number {
    const dropped = this.pending;
    this.carry = -1;
    return dropped;
  }
}
