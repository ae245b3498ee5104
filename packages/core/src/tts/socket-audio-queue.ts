import { AsyncQueue } from '../util/async-queue.js';

/** What `SocketAudioQueue` needs of a socket (`ws`'s WebSocket has both). */
export interface PausableSocket {
  /** Stop reading the socket (the vendor's sends back up in TCP, then at the vendor). */
  pause(): void;
  /** Read the socket again. */
  resume(): void;
}

/**
 * The audio a TTS WebSocket delivers, queued for one consumer, with backpressure: once more than
 * `maxBytes` is queued the socket is paused (no more reads, so the vendor's sends back up instead
 * of growing this process's memory), and resumed when the consumer has taken it down to half.
 * `push` from the socket's message handler; iterate once. `end()` / `fail(err)` as `AsyncQueue`.
 * A few messages already read may still arrive after the pause: they are queued, never dropped.
 */
export class SocketAudioQueue implements AsyncIterable<Uint8Array> {
  private readonly queue = new AsyncQueue<Uint8Array>(Number.POSITIVE_INFINITY);
  private bytes = 0;
  private paused = false;
  private readonly resumeBytes: number;

  constructor(
    private readonly socket: PausableSocket,
    private readonly maxBytes: number,
  ) {
    this.resumeBytes = Math.floor(maxBytes / 2);
  }

  /** Bytes queued and not yet taken. */
  get queuedBytes(): number {
    return this.bytes;
  }

  /** Whether the socket is paused (the queue is over `maxBytes`). */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Ended or failed (further pushes are ignored). */
  get closed(): boolean {
    return this.queue.closed;
  }

  /** Queue a chunk read from the socket; pauses the socket once over `maxBytes`. */
  push(chunk: Uint8Array): void {
    if (this.queue.closed) return;
    this.bytes += chunk.length;
    this.queue.push(chunk);
    if (!this.paused && this.bytes > this.maxBytes) {
      this.paused = true;
      this.socket.pause();
    }
  }

  /** No more audio: the iteration ends after what is queued. */
  end(): void {
    this.queue.end();
    this.release();
  }

  /** The iteration throws `error` after what is queued. */
  fail(error: unknown): void {
    this.queue.fail(error);
    this.release();
  }

  /** The queued audio, once (single consumer); taking it resumes a paused socket at half of `maxBytes`. */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const inner = this.queue[Symbol.asyncIterator]();
    const take = (result: IteratorResult<Uint8Array>): IteratorResult<Uint8Array> => {
      if (!result.done) {
        this.bytes -= result.value.length;
        if (this.paused && this.bytes <= this.resumeBytes) this.release();
      }
      return result;
    };
    return {
      next: () => inner.next().then(take),
      return: () => {
        this.bytes = 0;
        this.release();
        return inner.return ? inner.return() : Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  /** Reads the socket again (so its close and error frames still come after an end). */
  private release(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket.resume();
  }
}
