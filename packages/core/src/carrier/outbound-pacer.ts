import { bytesForDuration, type AudioFormat } from '../audio/audio-format.js';
import { ConfigError } from '../errors/config-error.js';

export interface OutboundPacerOptions {
  readonly format: AudioFormat;
  /** Frame duration sent to the carrier. Default 20 ms. */
  readonly frameMs?: number;
  /** How far ahead of real time audio may be sent (bounds what `clear` cannot take back). Default 80 ms. */
  readonly leadMs?: number;
  /**
   * Whole frames sent together in one `sendFrame` call when they are due (one socket write for
   * several frames). A mark still goes right after the frame before it. Default 1.
   */
  readonly framesPerSend?: number;
  /**
   * How long after the last audio arrived a partial last frame is taken as the end of an
   * utterance that has no mark, and padded and sent (when the carrier is down to its last
   * frame, so it plays right after the audio before it). Default 100 ms.
   */
  readonly tailHoldMs?: number;
  /** Queued audio beyond this is dropped (with `onOverflow`). Default 10 minutes. */
  readonly maxQueuedMs?: number;
  /**
   * Audio to send now: one frame, or up to `framesPerSend` whole frames. `frame` is a view that is
   * only valid during the call (it may be reused): encode or copy it before returning.
   */
  readonly sendFrame: (frame: Uint8Array) => void;
  /** A mark reached the head of the queue: all audio before it has been sent. */
  readonly sendMark: (name: string) => void;
  /** Called when audio is dropped because the queue is full. */
  readonly onOverflow?: (droppedBytes: number) => void;
  /** Monotonic clock in ms. Default `performance.now`. */
  readonly now?: () => number;
}

type QueueItem = { audio: Uint8Array; mark: undefined } | { audio: undefined; mark: string };

/** What a sent item's slot holds until the queue is compacted: nothing that pins its audio. */
const SENT: QueueItem = Object.freeze({ audio: undefined, mark: '' });

/** Codec silence for padding a short final frame. */
export function silenceByte(format: AudioFormat): number {
  if (format.encoding === 'mulaw') return 0xff;
  if (format.encoding === 'alaw') return 0xd5;
  return 0;
}

/**
 * Cuts outbound audio of any length into fixed carrier frames and sends them near real time,
 * at most `leadMs` ahead of the carrier's playhead, so a `clear` drops almost everything that is
 * not yet audible; with `framesPerSend` > 1, frames due together go out in one send (fewer socket
 * writes). Marks keep their place in the audio. A partial last frame is carried into the
 * next chunk, so no silence is ever inserted inside the audio; it is padded with silence
 * (Telnyx rejects frames under 20 ms) only when the utterance ends: when a mark is queued after
 * it (padded in the queue right then), or when no audio came for `tailHoldMs` (padded as it is
 * sent). The pacer owns the call's outbound timeline: `positionMs()` counts everything queued
 * since the last clear, that padding included, so it is where the carrier's playhead will be once
 * it has played it all. One timer, unref'd, alive only while audio is queued.
 */
export class OutboundPacer {
  readonly frameBytes: number;
  readonly frameMs: number;
  private readonly leadMs: number;
  private readonly framesPerSend: number;
  private readonly tailHoldMs: number;
  private readonly maxQueuedBytes: number;
  private readonly options: OutboundPacerOptions;
  private readonly now: () => number;
  /** `scratchViews[k - 1]`: the first k frames of the scratch buffer. */
  private readonly scratchViews: Uint8Array[];
  private readonly silence: number;
  /** One frame of codec silence; a mark's padding is a view of it (no allocation per mark). */
  private readonly silenceFrame: Uint8Array;
  private queue: QueueItem[] = [];
  private head = 0;
  /** Offset into the audio item at `head`. */
  private offset = 0;
  private bytesQueued = 0;
  /** Bytes queued since the last clear, padding included: the timeline position of the queue's end. */
  private positionBytes = 0;
  /** Clock time at which the carrier will have played everything sent. */
  private sentUntil = 0;
  /** Clock time at which the carrier runs dry (`sentUntil` before it is moved up to now). */
  private audibleUntil = 0;
  /** When audio was last pushed (a partial tail is held `tailHoldMs` past this). */
  private lastAudioAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private closed = false;

  constructor(options: OutboundPacerOptions) {
    this.options = options;
    this.frameMs = options.frameMs ?? 20;
    this.leadMs = options.leadMs ?? 80;
    this.tailHoldMs = options.tailHoldMs ?? 100;
    if (!(this.frameMs >= 10 && this.frameMs <= 1000)) throw new ConfigError('frameMs', 'must be between 10 and 1000');
    if (!(this.leadMs >= 0)) throw new ConfigError('leadMs', 'must be zero or more');
    if (!(this.tailHoldMs >= 0)) throw new ConfigError('tailHoldMs', 'must be zero or more');
    this.framesPerSend = options.framesPerSend ?? 1;
    if (!(Number.isInteger(this.framesPerSend) && this.framesPerSend >= 1 && this.framesPerSend <= 50)) {
      throw new ConfigError('framesPerSend', 'must be an integer between 1 and 50');
    }
    this.frameBytes = bytesForDuration(options.format, this.frameMs);
    this.maxQueuedBytes = bytesForDuration(options.format, options.maxQueuedMs ?? 600_000);
    this.now = options.now ?? (() => performance.now());
    const scratch = new Uint8Array(this.frameBytes * this.framesPerSend);
    this.scratchViews = Array.from({ length: this.framesPerSend }, (_, k) => scratch.subarray(0, (k + 1) * this.frameBytes));
    this.silence = silenceByte(options.format);
    this.silenceFrame = new Uint8Array(this.frameBytes).fill(this.silence);
  }

  /** Queue audio (not copied: the caller must not modify it afterwards). */
  push(audio: Uint8Array): void {
    if (this.closed || audio.byteLength === 0) return;
    if (this.bytesQueued + audio.byteLength > this.maxQueuedBytes) {
      this.options.onOverflow?.(audio.byteLength);
      return;
    }
    this.queue.push({ audio, mark: undefined });
    this.bytesQueued += audio.byteLength;
    this.positionBytes += audio.byteLength;
    this.lastAudioAt = this.now();
    this.pump();
  }

  /**
   * Queue a mark after the audio queued so far. A partial last frame before it is padded with
   * silence now, so the mark sits on a frame boundary and `positionMs()` is exact at once.
   */
  mark(name: string): void {
    if (this.closed) return;
    const partial = this.positionBytes % this.frameBytes;
    if (partial !== 0) {
      const padding = this.frameBytes - partial;
      this.queue.push({ audio: this.silenceFrame.subarray(0, padding), mark: undefined });
      this.bytesQueued += padding;
      this.positionBytes += padding;
    }
    this.queue.push({ audio: undefined, mark: name });
    this.pump();
  }

  /** Drop everything queued; returns the names of marks that were dropped unsent. */
  clear(): string[] {
    const dropped: string[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const item = this.queue[i]!;
      if (item.mark !== undefined) dropped.push(item.mark);
    }
    this.queue = [];
    this.head = 0;
    this.offset = 0;
    this.bytesQueued = 0;
    this.positionBytes = 0;
    this.sentUntil = this.now();
    this.stopTimer();
    return dropped;
  }

  /** Audio queued and not yet sent, ms. */
  queuedMs(): number {
    return (this.bytesQueued / this.frameBytes) * this.frameMs;
  }

  /**
   * The timeline position at the end of what was queued so far (ms since the last clear),
   * padding included: the carrier has played it all when its playhead reaches this.
   */
  positionMs(): number {
    return (this.positionBytes / this.frameBytes) * this.frameMs;
  }

  /** Whether anything (audio or marks) is waiting to be sent. */
  idle(): boolean {
    return this.head >= this.queue.length;
  }

  close(): void {
    this.closed = true;
    this.clear();
  }

  /** Send what the lead allows, then schedule the next send. */
  private pump(): void {
    if (this.closed) return;
    const now = this.now();
    if (this.sentUntil < now) this.sentUntil = now;
    let wakeIn = 0;
    while (this.head < this.queue.length) {
      const item = this.queue[this.head]!;
      if (item.mark !== undefined) {
        this.queue[this.head++] = SENT;
        this.options.sendMark(item.mark);
        continue;
      }
      const buffered = this.sentUntil - now;
      if (buffered >= this.leadMs + this.frameMs) {
        wakeIn = buffered - this.leadMs - this.frameMs;
        break;
      }
      if (this.bytesQueued < this.frameBytes) {
        // A partial frame with no mark after it (a mark pads the audio before it to whole frames):
        // carried into the next chunk; padded only once the utterance has ended. Ended = no audio
        // for tailHoldMs; sent then, or once the carrier is down to its last frame.
        const holdUntil = Math.max(this.lastAudioAt + this.tailHoldMs, this.audibleUntil - this.frameMs);
        if (holdUntil > now) {
          wakeIn = holdUntil - now;
          break;
        }
      }
      this.sentUntil += this.sendFrames() * this.frameMs;
      this.audibleUntil = this.sentUntil;
    }
    this.compact();
    if (this.head < this.queue.length) this.schedule(Math.max(1, Math.ceil(wakeIn)));
    else this.stopTimer();
  }

  /** Whole frames queued before the next mark, at most `framesPerSend`. */
  private wholeFramesDue(): number {
    const most = this.framesPerSend * this.frameBytes;
    let bytes = -this.offset;
    for (let i = this.head; i < this.queue.length && bytes < most; i++) {
      const audio = this.queue[i]!.audio;
      if (audio === undefined) break;
      bytes += audio.byteLength;
    }
    return Math.min(this.framesPerSend, Math.floor(bytes / this.frameBytes));
  }

  /** Sends the due whole frames (or the tail-held partial frame, padded) in one call; returns the frames sent. */
  private sendFrames(): number {
    const frames = Math.max(1, this.wholeFramesDue());
    const size = frames * this.frameBytes;
    const first = this.queue[this.head]!.audio!;
    if (first.byteLength - this.offset >= size) {
      // Inside one chunk: a view, no copy.
      const view = first.subarray(this.offset, this.offset + size);
      this.offset += size;
      this.bytesQueued -= size;
      if (this.offset === first.byteLength) this.advance();
      this.options.sendFrame(view);
      return frames;
    }
    // The frames straddle chunks (or are the padded tail): assemble them in the scratch buffer.
    const scratch = this.scratchViews[frames - 1]!;
    let filled = 0;
    while (filled < size && this.head < this.queue.length) {
      const item = this.queue[this.head]!;
      if (item.audio === undefined) break; // never move audio across a mark
      const take = Math.min(size - filled, item.audio.byteLength - this.offset);
      scratch.set(item.audio.subarray(this.offset, this.offset + take), filled);
      filled += take;
      this.offset += take;
      this.bytesQueued -= take;
      if (this.offset === item.audio.byteLength) this.advance();
    }
    if (filled < size) {
      scratch.fill(this.silence, filled);
      this.positionBytes += size - filled;
    }
    this.options.sendFrame(scratch);
    return frames;
  }

  /** The head item is sent: its slot lets go of the audio (a played chunk may be a view of a large vendor read). */
  private advance(): void {
    this.queue[this.head++] = SENT;
    this.offset = 0;
  }

  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Wakes the pump in `ms`, or sooner if it is already due sooner. */
  private schedule(ms: number): void {
    const due = this.now() + ms;
    if (this.timer !== undefined) {
      if (this.timerDue <= due) return;
      clearTimeout(this.timer);
    }
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, ms);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
