import { bytesForDuration, bytesPerSample, type AudioFormat } from '../audio/audio-format.js';
import type { Logger } from '../log/logger.js';
import { AudioPacer, type AudioPace } from './audio-pacer.js';
import { AudioReplayBuffer } from './audio-replay-buffer.js';
import { TailFlush } from '../audio/tail-flush.js';

/**
 * A replay ring no larger than this much audio is kept while the stream lives, when a final
 * empties it (a longer utterance's ring goes back to the pool): most utterances fit, so a call's
 * ring stops growing and being given back at every final.
 */
const KEEP_RING_MS = 5_000;

/** Sends one binary audio message on the current socket. */
export type STTAudioSend = (audio: Uint8Array) => void;

export interface STTAudioOutboxOptions {
  readonly format: AudioFormat;
  /** The vendor's smallest message (ms of audio): less never goes out. Default none. */
  readonly minChunkMs?: number | undefined;
  /** Audio per message: frames are coalesced up to it. 0 = each frame as it comes. */
  readonly chunkMs: number;
  /** The largest message (ms of audio). Default 100 ms. */
  readonly maxChunkMs?: number | undefined;
  /** Most audio kept for buffering and replay. Default 15 000 ms. */
  readonly maxBufferMs?: number | undefined;
  /** Holds audio to the vendor's real-time pace, when set. */
  readonly pace?: AudioPace | undefined;
  readonly logger: Logger;
  /** Audio went out (or a full chunk was handed on): the socket is not idle. */
  readonly onSent: () => void;
  /** Audio that waited for the pacer's clock may go out now. */
  readonly onPaced: () => void;
}

/**
 * The outgoing audio of a WebSocket STT stream: the replay ring (audio not yet committed by a
 * final result), what went out on the current socket, coalescing to the vendor's chunk sizes,
 * the real-time pacer and the partial-chunk tail. The stream attaches a send function per
 * socket (once that socket takes audio) and detaches it when the socket closes; the audio since
 * the last commit is replayed on the next one. No allocation per frame: a frame is one ring
 * write, and a full chunk goes out as a view of the ring.
 */
export class STTAudioOutbox {
  readonly bytesPerSecond: number;
  private readonly buffer: AudioReplayBuffer;
  private readonly sampleBytes: number;
  private readonly minChunkBytes: number;
  /** Audio is sent once this much is waiting (the vendor's minimum, or its preferred chunk). */
  private readonly chunkBytes: number;
  private readonly maxChunkBytes: number;
  /** Sends a partial chunk that waited a whole chunk's time (when coalescing). */
  private readonly tail: TailFlush | undefined;
  /** Holds audio to the vendor's real-time pace (`adapter.paceAudio`). */
  private readonly pacer: AudioPacer | undefined;
  private readonly logger: Logger;
  private readonly onSent: () => void;
  /** Set while the current socket takes audio. */
  private send: STTAudioSend | undefined;
  /** Stream position up to which audio went out on the current socket. */
  private sentPos = 0;
  /** Stream position where the current connection's audio begins (vendor time 0). */
  private connStart = 0;
  /** Binary audio messages sent on the current socket. */
  private messages = 0;
  private warnedOverflow = false;

  constructor(options: STTAudioOutboxOptions) {
    const { format, chunkMs } = options;
    this.logger = options.logger;
    this.onSent = options.onSent;
    this.sampleBytes = bytesPerSample(format);
    this.bytesPerSecond = format.sampleRate * this.sampleBytes;
    this.minChunkBytes = options.minChunkMs ? bytesForDuration(format, options.minChunkMs) : 0;
    this.chunkBytes = Math.max(this.minChunkBytes, chunkMs > 0 ? bytesForDuration(format, chunkMs) : 0);
    this.maxChunkBytes = Math.max(this.chunkBytes, bytesForDuration(format, options.maxChunkMs ?? 100));
    if (this.chunkBytes > this.minChunkBytes) {
      this.tail = new TailFlush(chunkMs, () => this.buffer.end > this.sentPos, () => this.flush(true));
    }
    this.buffer = new AudioReplayBuffer(bytesForDuration(format, options.maxBufferMs ?? 15_000), bytesForDuration(format, KEEP_RING_MS));
    const pace = options.pace;
    if (pace) {
      const burst = Math.max(this.maxChunkBytes + this.minChunkBytes, bytesForDuration(format, pace.burstMs ?? 1000));
      this.pacer = new AudioPacer(this.bytesPerSecond, burst, pace.rate ?? 1, options.onPaced);
    }
  }

  /** Audio is written but not sent on the current socket (also before the socket takes audio). */
  get pending(): number {
    return this.buffer.end - this.sentPos;
  }

  /** A socket takes audio now. */
  get attached(): boolean {
    return this.send !== undefined;
  }

  /** Paced audio waits for the clock. */
  get waiting(): boolean {
    return this.pacer?.waiting ?? false;
  }

  /** Binary audio messages sent on the current socket. */
  get messagesSent(): number {
    return this.messages;
  }

  /** Where the current connection's audio begins, in seconds of stream time (its vendor time 0). */
  get connectionStartSeconds(): number {
    return this.connStart / this.bytesPerSecond;
  }

  /** Keeps a frame (bounded; the oldest audio is dropped when full) and sends it once a chunk is full. */
  write(audio: Uint8Array): void {
    this.buffer.write(audio);
    if (this.buffer.droppedBytes > 0 && !this.warnedOverflow) {
      this.warnedOverflow = true;
      this.logger.warn({ droppedBytes: this.buffer.droppedBytes }, 'stt audio buffer full; oldest audio dropped');
    }
    const send = this.send;
    if (!send) return;
    if (this.sentPos < this.buffer.start) this.sentPos = this.buffer.start;
    const pending = this.buffer.end - this.sentPos;
    if (pending < this.chunkBytes) {
      if (pending === audio.byteLength) this.tail?.started();
      return;
    }
    if (pending === audio.byteLength && pending <= this.maxChunkBytes && (!this.pacer || this.pacer.allows(pending))) {
      send(audio);
      this.messages++;
      this.pacer?.spent(pending);
      this.sentPos = this.buffer.end;
    } else this.flush(false);
    this.onSent();
  }

  /**
   * A new connection: its audio starts at the oldest audio held (all of it is replayed). `send`
   * when the socket takes audio at once, else `ready(send)` once it does.
   */
  attach(send: STTAudioSend | undefined): void {
    this.connStart = this.buffer.start;
    this.sentPos = this.buffer.start;
    this.send = send;
    this.messages = 0;
    this.pacer?.reset();
    this.flushBacklog();
  }

  /** The attached connection takes audio from now on. */
  ready(send: STTAudioSend): void {
    this.send = send;
    this.pacer?.reset();
    this.flushBacklog();
  }

  /** The socket closed: audio is held (and replayed on the next connection). */
  detach(): void {
    this.send = undefined;
    this.pacer?.stop();
  }

  /**
   * Sends the unsent audio in chunks of at most `maxChunkBytes`. A tail under `chunkBytes` stays
   * unless `tail` (a finalize, a close, a tail that waited); one under the vendor's minimum always stays.
   */
  flush(tail: boolean): void {
    const send = this.send;
    if (!send) return;
    if (this.sentPos < this.buffer.start) this.sentPos = this.buffer.start;
    let budget = this.pacer ? this.pacer.budget() : Infinity;
    while (this.buffer.end > this.sentPos) {
      const pending = this.buffer.end - this.sentPos;
      if (pending < this.minChunkBytes || (pending < this.chunkBytes && !tail)) break;
      let size = Math.min(pending, this.maxChunkBytes);
      if (pending - size > 0 && pending - size < this.minChunkBytes) size = pending;
      if (size > budget) return void this.pacer?.wake(size);
      budget -= size;
      this.pacer?.spent(size);
      send(this.buffer.read(this.sentPos, this.sentPos + size));
      this.messages++;
      this.sentPos += size;
      this.onSent();
    }
  }

  /**
   * The vendor finalized the audio up to `untilSeconds` of this connection's time (all that went
   * out when undefined): it is no longer kept for replay.
   */
  commit(untilSeconds: number | undefined): void {
    if (untilSeconds === undefined || !Number.isFinite(untilSeconds)) {
      this.buffer.trim(this.sentPos);
      return;
    }
    const bytes = Math.floor((untilSeconds * this.bytesPerSecond) / this.sampleBytes) * this.sampleBytes;
    this.buffer.trim(Math.min(this.sentPos, this.connStart + Math.max(0, bytes)));
  }

  /** The stream ended: timers stop, nothing more goes out, the ring goes back to the pool. */
  stop(): void {
    this.send = undefined;
    this.tail?.stop();
    this.pacer?.stop();
    this.buffer.release();
  }

  /** Audio held while no socket took it goes out; a partial chunk left waits at most one chunk's time. */
  private flushBacklog(): void {
    this.flush(false);
    if (this.buffer.end > this.sentPos) this.tail?.started();
  }
}
