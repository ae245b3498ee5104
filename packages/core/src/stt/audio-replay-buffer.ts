/**
 * A fixed-size ring of audio bytes addressed by absolute stream positions (bytes since the
 * stream began). It holds the audio a WebSocket STT stream has not seen finalized yet: audio
 * written before the socket opened, audio waiting to reach a vendor's minimum chunk size, and
 * audio to re-send after a reconnect. Writing copies into the ring (no per-frame allocation);
 * when full, the oldest bytes are dropped and counted in `droppedBytes`.
 */
export class AudioReplayBuffer {
  private readonly ring: Uint8Array;
  /** Oldest retained position. */
  private startPos = 0;
  /** Position after the newest byte. */
  private endPos = 0;
  droppedBytes = 0;

  constructor(capacityBytes: number) {
    this.ring = new Uint8Array(Math.max(1, Math.floor(capacityBytes)));
  }

  get capacity(): number {
    return this.ring.byteLength;
  }

  get start(): number {
    return this.startPos;
  }

  get end(): number {
    return this.endPos;
  }

  write(bytes: Uint8Array): void {
    const cap = this.ring.byteLength;
    let src = bytes;
    if (src.byteLength > cap) {
      this.endPos += src.byteLength - cap;
      src = src.subarray(src.byteLength - cap);
    }
    const at = this.endPos % cap;
    const first = Math.min(src.byteLength, cap - at);
    this.ring.set(first === src.byteLength ? src : src.subarray(0, first), at);
    if (first < src.byteLength) this.ring.set(src.subarray(first), 0);
    this.endPos += src.byteLength;
    if (this.endPos - this.startPos > cap) {
      this.droppedBytes += this.endPos - cap - this.startPos;
      this.startPos = this.endPos - cap;
    }
  }

  /** Forgets everything before `position` (clamped to what is held). */
  trim(position: number): void {
    this.startPos = Math.max(this.startPos, Math.min(position, this.endPos));
  }

  /**
   * The bytes in [from, to), clamped to what is held. A view into the ring when contiguous
   * (valid until the next write), else a copy.
   */
  read(from: number, to: number): Uint8Array {
    const a = Math.max(from, this.startPos);
    const b = Math.min(to, this.endPos);
    if (b <= a) return new Uint8Array(0);
    const cap = this.ring.byteLength;
    const i = a % cap;
    const length = b - a;
    if (i + length <= cap) return this.ring.subarray(i, i + length);
    const out = new Uint8Array(length);
    out.set(this.ring.subarray(i), 0);
    out.set(this.ring.subarray(0, length - (cap - i)), cap - i);
    return out;
  }
}
