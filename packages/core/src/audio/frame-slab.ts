/** Slab size: a retained frame keeps at most this much memory alive. */
const SLAB_BYTES = 16 * 1024;
/** Larger copies get their own array. */
const MAX_SLAB_COPY = SLAB_BYTES / 4;

/**
 * Copies small audio chunks into fresh arrays without a backing store per chunk: they are carved
 * out of a 16 KiB slab (8-byte aligned, so PCM16 views stay aligned), as Node's
 * `Buffer.allocUnsafe` does. A copy is the caller's to keep or modify; it shares the slab's
 * memory, never its bytes, with other copies. A slab is freed once none of its copies is alive,
 * so one slab should serve chunks of similar lifetimes.
 */
export class FrameSlab {
  private slab = new ArrayBuffer(SLAB_BYTES);
  private used = 0;

  copy(bytes: Uint8Array): Uint8Array {
    const length = bytes.byteLength;
    if (length > MAX_SLAB_COPY) return bytes.slice();
    if (this.used + length > SLAB_BYTES) {
      this.slab = new ArrayBuffer(SLAB_BYTES);
      this.used = 0;
    }
    const copy = new Uint8Array(this.slab, this.used, length);
    copy.set(bytes);
    this.used = (this.used + length + 7) & ~7;
    return copy;
  }
}

/** Caller frames: short-lived (the VAD reads them at once, the STT copies what it keeps). */
const callerFrames = new FrameSlab();

/**
 * The agent's audio, queued at the transport for up to a few seconds in playout order: a slab of
 * its own, so caller frames never keep one alive (a slab is freed once its audio has played).
 */
export const agentAudio = new FrameSlab();

/** A copy of a caller frame (see `FrameSlab`). */
export function copyFrame(bytes: Uint8Array): Uint8Array {
  return callerFrames.copy(bytes);
}
