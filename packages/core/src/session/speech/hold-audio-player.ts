import { bytesForDuration, type AudioFormat } from '../../audio/audio-format.js';
import { decodeSamples, encodeSamples } from '../../audio/encode-samples.js';
import type { Logger } from '../../log/logger.js';

/** Where hold audio goes: the carrier, on the session's timeline. */
export interface HoldAudioSink {
  readonly format: AudioFormat;
  send(audio: Uint8Array): void;
  /** Audio queued or sent to the carrier and not yet played (ms). */
  pendingMs(): number;
}

export interface HoldAudioPlayerOptions {
  readonly afterMs: number;
  /** The sound, in the sink's format (`undefined`: nothing to play). Fetched once, when a tool starts. */
  readonly clip: () => Uint8Array | undefined | Promise<Uint8Array | undefined>;
  /** Loop the clip (a tone); `false` plays it once (spoken words). */
  readonly loop: boolean;
  readonly sink: HoldAudioSink;
  /** The agent is silent (the hold never talks over the agent's words). */
  readonly canStart: () => boolean;
  readonly logger: Logger;
  readonly callId: () => string;
}

/** Audio kept queued ahead of the carrier while holding (ms): small, so the reply waits little. */
const AHEAD_MS = 100;
/** How often the queue is topped up (ms). */
const TICK_MS = 40;
/** The fade-out when the reply starts (ms). */
const FADE_MS = 80;
/** Hold audio stops by itself after this long (ms). */
const MAX_HOLD_MS = 60_000;

type State = 'idle' | 'armed' | 'waiting' | 'playing' | 'played';

/**
 * Hold audio for one call: armed when a tool call starts; if tools still run `afterMs` later
 * (and the agent is silent), plays the clip to the carrier — a few tens of ms ahead, topped up
 * by a timer — until the reply's speech starts, which fades it out (`speechStarted`). One timer
 * at most, cleared by `reset` / `close`.
 */
export class HoldAudioPlayer {
  private state: State = 'idle';
  private tools = 0;
  private timer: NodeJS.Timeout | undefined;
  private clip: Uint8Array | undefined;
  private clipRequested = false;
  private clipSettled = false;
  private position = 0;
  private startedAt = 0;
  private readonly chunkBytes: number;
  private closed = false;

  constructor(private readonly options: HoldAudioPlayerOptions) {
    this.chunkBytes = bytesForDuration(options.sink.format, TICK_MS);
  }

  /** Whether hold audio is being played (the caller hears the hold sound, not the agent). */
  get playing(): boolean {
    return this.state === 'playing';
  }

  /** A tool call started (concurrent calls are counted). */
  toolStarted(): void {
    if (this.closed) return;
    this.tools++;
    if (this.state !== 'idle') return;
    this.state = 'armed';
    this.fetchClip();
    this.schedule(this.options.afterMs);
  }

  /** A tool call finished: when none runs and the hold has not begun, it never will this time. */
  toolFinished(): void {
    this.tools = Math.max(0, this.tools - 1);
    if (this.tools > 0 || (this.state !== 'armed' && this.state !== 'waiting')) return;
    this.cancel();
    this.state = 'idle';
  }

  /** The agent's speech begins: a hold in progress fades out, ahead of the speech. True when one was. */
  speechStarted(): boolean {
    if (this.state !== 'playing' && this.state !== 'played') return false;
    if (this.state === 'playing') this.fadeOut();
    this.cancel();
    this.state = 'idle';
    return true;
  }

  /** The turn ended or was cut: forget the tools; `fade` false when the carrier was just cleared. */
  reset(fade = true): void {
    if (this.state === 'playing' && fade) this.fadeOut();
    this.cancel();
    this.tools = 0;
    this.state = 'idle';
  }

  close(): void {
    this.closed = true;
    this.reset(false);
  }

  private fetchClip(): void {
    if (this.clipRequested) return;
    this.clipRequested = true;
    Promise.resolve()
      .then(() => this.options.clip())
      .then(
        (clip) => {
          this.clip = clip !== undefined && clip.length > 0 ? clip : undefined;
          this.clipSettled = true;
        },
        (err: unknown) => {
          this.clipSettled = true;
          this.options.logger.debug({ err, callId: this.options.callId() }, 'hold audio unavailable');
        },
      );
  }

  private schedule(ms: number): void {
    this.cancel();
    this.timer = setTimeout(() => this.tick(), ms);
    this.timer.unref();
  }

  private cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.timer = undefined;
    if (this.closed) return;
    if (this.state === 'armed' || this.state === 'waiting') {
      this.state = 'waiting';
      if (this.clip === undefined && this.clipSettled) {
        this.state = 'idle';
        return;
      }
      if (this.clip === undefined || !this.options.canStart()) return this.schedule(TICK_MS);
      this.state = 'playing';
      this.position = 0;
      this.startedAt = performance.now();
      this.options.logger.debug({ callId: this.options.callId() }, 'hold audio started');
    }
    if (this.state !== 'playing') return;
    if (performance.now() - this.startedAt > MAX_HOLD_MS) return this.reset();
    this.fill();
    if (this.state === 'playing') this.schedule(TICK_MS);
  }

  /** Tops the carrier's queue up to `AHEAD_MS` with the next slices of the clip (views, no copy). */
  private fill(): void {
    const clip = this.clip as Uint8Array;
    const { sink, loop } = this.options;
    // At most one queue's worth per tick, even from a sink that does not count what it queued.
    let budget = this.chunkBytes * Math.ceil((AHEAD_MS + TICK_MS) / TICK_MS);
    while (sink.pendingMs() < AHEAD_MS && budget > 0) {
      if (this.position >= clip.length) {
        if (!loop) {
          this.state = 'played';
          return;
        }
        this.position = 0;
      }
      const end = Math.min(clip.length, this.position + this.chunkBytes);
      sink.send(clip.subarray(this.position, end));
      budget -= end - this.position;
      this.position = end;
    }
  }

  /** The next `FADE_MS` of the clip, ramped down to silence: the hold ends without a click. */
  private fadeOut(): void {
    const clip = this.clip;
    if (clip === undefined) return;
    const { sink, loop } = this.options;
    const want = bytesForDuration(sink.format, FADE_MS);
    const bytes = new Uint8Array(want);
    let length = 0;
    let at = this.position;
    while (length < want) {
      if (at >= clip.length) {
        if (!loop) break;
        at = 0;
      }
      const take = Math.min(want - length, clip.length - at);
      bytes.set(clip.subarray(at, at + take), length);
      length += take;
      at += take;
    }
    if (length === 0) return;
    const samples = decodeSamples(bytes.subarray(0, length), sink.format);
    for (let i = 0; i < samples.length; i++) samples[i] = Math.round((samples[i] as number) * (1 - (i + 1) / samples.length));
    sink.send(encodeSamples(samples, sink.format));
  }
}
