import { audioRingPool } from '../audio/byte-array-pool.js';

/** Smallest ring (≈ 128 ms of PCM16 16 kHz). */
const MIN_RING = 4096;
const EMPTY = new Uint8Array(0);

/**
 * A ring of audio bytes addressed by absolute stream positions (bytes since the stream began),
 * bounded by `capacityBytes`. It holds the audio a WebSocket STT stream has not seen finalized
 * yet: audio written before the socket opened, audio waiting to reach a vendor's minimum chunk
 * size, and audio to re-send after a reconnect. Writing copies into the ring (no per-frame
 * allocation); when full, the oldest bytes are dropped and counted in `droppedBytes`.
 *
 * The ring is sized to what it has had to hold, not to its capacity: it starts empty, doubles as
 * audio accumulates between finals (so it is bounded by the longest utterance), and is given back
 * when it holds nothing, unless it is no larger than `keepBytes` (or on `release`). Rings come from
 * a shared pool (`audioRingPool`).
 */
export class AudioReplayBuffer {
  private readonly maxBytes: number;
  private ring: Uint8Array = EMPTY;
  /** Oldest retained position. */
  private startPos = 0;
  /** Position after the newest byte. */
  private endPos = 0;
  droppedBytes = 0;

  /**
   * @param capacityBytes - the most it holds (older bytes are dropped beyond it)
   * @param keepBytes - a ring no larger than this is kept when it empties: a live stream empties it
   *   at every final, and giving it back to grow it again through every size in the next utterance
   *   turns rings into garbage that outlives young-generation collections. Default 0.
   */
  constructor(
    capacityBytes: number,
    private readonly keepBytes = 0,
  ) {
    this.maxBytes = Math.max(1, Math.floor(capacityBytes));
  }

  /** Most bytes held at once. */
  get capacity(): number {
    return this.maxBytes;
  }

  /** Bytes of ring currently allocated to this buffer. */
  get allocatedBytes(): number {
    return this.ring.byteLength;
  }

  get start(): number {
    return this.startPos;
  }

  get end(): number {
    return this.endPos;
  }

  write(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    const cap = this.maxBytes;
    let src = bytes;
    if (src.byteLength > cap) {
      this.endPos += src.byteLength - cap;
      src = src.subarray(src.byteLength - cap);
    }
    const need = Math.min(cap, Math.max(0, this.endPos - this.startPos) + src.byteLength);
    if (need > this.ring.byteLength) this.resize(ringSize(need, cap));
    this.place(src, this.endPos);
    this.endPos += src.byteLength;
    if (this.endPos - this.startPos > cap) {
      this.droppedBytes += this.endPos - cap - this.startPos;
      this.startPos = this.endPos - cap;
    }
  }

  /**
   * Forgets everything before `position` (clamped to what is held). The ring keeps its size
   * (the longest stretch between finals so far: shrinking after each final and growing again in
   * the next utterance would churn memory); it is given back once nothing is held, unless it is
   * no larger than `keepBytes`.
   */
  trim(position: number): void {
    this.startPos = Math.max(this.startPos, Math.min(position, this.endPos));
    if (this.endPos === this.startPos && this.ring.byteLength > this.keepBytes) this.release();
  }

  /** Forgets everything held and gives the ring back to the pool (positions go on). */
  release(): void {
    this.startPos = this.endPos;
    if (this.ring === EMPTY) return;
    audioRingPool.give(this.ring);
    this.ring = EMPTY;
  }

  /**
   * The bytes in [from, to), clamped to what is held. A view into the ring when contiguous
   * (valid until the next write or trim), else a copy.
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

  /** Moves what is held into a ring of `size` bytes (at least what is held). */
  private resize(size: number): void {
    const held = this.read(this.startPos, this.endPos);
    const old = this.ring;
    this.ring = audioRingPool.take(size);
    if (held.byteLength > 0) this.place(held, this.startPos);
    if (old !== EMPTY) audioRingPool.give(old);
  }

  /** Copies `src` (at most the ring's size) into the ring at stream position `pos`. */
  private place(src: Uint8Array, pos: number): void {
    const cap = this.ring.byteLength;
    const at = pos % cap;
    const first = Math.min(src.byteLength, cap - at);
    this.ring.set(first === src.byteLength ? src : src.subarray(0, first), at);
    if (first < src.byteLength) this.ring.set(src.subarray(first), 0);
  }
}

/** Ring size for `need` bytes: a power of two from `MIN_RING`, at most `cap`. */
function ringSize(need: number, cap: number): number {
  return Math.min(cap, Math.max(MIN_RING, 2 ** Math.ceil(Math.log2(need))));
}
