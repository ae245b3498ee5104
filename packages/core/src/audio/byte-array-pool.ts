/**
 * A pool of byte arrays by exact size, bounded in total bytes: the replay rings of STT streams
 * come from here and go back here when they shrink or their stream ends, so a server does not
 * allocate (and zero) a new large array each time a call needs one. Arrays are handed out with
 * stale contents: the taker must only read what it wrote.
 */
export class ByteArrayPool {
  private readonly free = new Map<number, Uint8Array[]>();
  private held = 0;

  constructor(private readonly maxBytes: number) {}

  /** Bytes held by the pool (not in use). */
  get pooledBytes(): number {
    return this.held;
  }

  take(size: number): Uint8Array {
    const array = this.free.get(size)?.pop();
    if (array === undefined) return new Uint8Array(size);
    this.held -= size;
    return array;
  }

  /** Gives `array` back (dropped for the GC when the pool is full). The caller must not use it again. */
  give(array: Uint8Array): void {
    const size = array.byteLength;
    if (size === 0 || this.held + size > this.maxBytes) return;
    let list = this.free.get(size);
    if (list === undefined) this.free.set(size, (list = []));
    list.push(array);
    this.held += size;
  }
}

/** The process-wide pool for audio rings (at most 8 MiB kept idle). */
export const audioRingPool = new ByteArrayPool(8 * 1024 * 1024);
