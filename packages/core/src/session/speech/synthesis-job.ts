import { bytesForDuration, type AudioFormat } from '../../audio/audio-format.js';
import type { AudioConverter } from '../../audio/audio-converter.js';
import { agentAudio } from '../../audio/frame-slab.js';
import { StreamIdleTimeoutError } from '../../errors/stream-idle-timeout-error.js';
import type { Logger } from '../../log/logger.js';
import type { TTSProvider } from '../../tts/tts-provider.js';
import type { ProviderRequestTiming } from '../call-session.js';
import type { UsageMeter } from '../usage/usage-meter.js';
import type { PlayoutBacklog } from './playout-backlog.js';

export interface SynthesisJobOptions {
  readonly tts: TTSProvider;
  /** The format the TTS is asked for. */
  readonly format: AudioFormat;
  /**
   * This sentence's own converter from `format` to the format it is played in, when they differ:
   * each vendor chunk is converted as it arrives, and the converter's tail (the resampler's group
   * delay) is handed on when the sentence ends. None: the audio is handed on as the TTS sent it.
   */
  readonly converter?: AudioConverter | undefined;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly callId: string;
  readonly usage: UsageMeter;
  readonly onRequest?: (() => void) | undefined;
  readonly onFirstByte?: (() => void) | undefined;
  /** The request's timing, once its stream ended (for its trace span). */
  readonly onDone?: ((request: ProviderRequestTiming) => void) | undefined;
  /**
   * While piped, the vendor stream is read only when this has room (the transport's backlog);
   * before, at most `aheadMs` of audio is read ahead. None: read as fast as the vendor sends.
   */
  readonly backlog?: PlayoutBacklog | undefined;
  /** How much audio a job reads ahead before it is piped (ms of playout). Default 2000. */
  readonly aheadMs?: number;
}

/**
 * One sentence's synthesis, startable ahead of playback: the speech output starts the next
 * sentence's request while the current one is still streaming, so the next sentence's time to
 * first byte is hidden. Audio is buffered until the sender pipes it (at most `aheadMs` of it: the
 * vendor stream is not read further until then); once piped, the vendor stream is read only
 * while the transport's backlog has room, so a long sentence stays at the vendor (backpressure)
 * instead of in memory. An abort ends it at once. Audio that needs converting is converted when it
 * arrives, not when it is handed on: what waits (the next sentence's read-ahead, a large read
 * handed on in pieces) waits in the played format (a quarter of the bytes for PCM16 16 kHz →
 * μ-law 8 kHz) and the vendor's chunk dies at once, in the young generation, instead of being
 * promoted by the collections that run while it waits and freed only by the next full one.
 * A vendor stream that stalls (`StreamIdleTimeoutError`) is requested once more when none of
 * the sentence's audio came yet; otherwise (or when the retry stalls too) the sentence ends
 * with what it had and the speech goes on with the next one. Characters are counted only for
 * audio that was synthesized (the vendor's `onUsage` when it reports one).
 */
export class SynthesisJob {
  /** Audio that came before `pipe` (the lookahead sentence). */
  private buffered: Uint8Array[] = [];
  private bufferedBytes = 0;
  private readonly maxBufferedBytes: number;
  /** The most audio handed on at once (100 ms of the played format, whole samples). */
  private readonly piece: number;
  /** The most vendor audio converted at once (100 ms of `format`): keeps the converter's buffers small. */
  private readonly rawPiece: number;
  /** Resolves the read-ahead wait of a job not yet piped (on pipe, or abort). */
  private wake: (() => void) | undefined;
  private sink: ((chunk: Uint8Array) => void) | undefined;
  private finished = false;
  private failure: unknown;
  private settle: { resolve: () => void; reject: (err: unknown) => void } | undefined;
  private started = false;

  constructor(
    readonly text: string,
    private readonly options: SynthesisJobOptions,
  ) {
    const played = options.converter?.to ?? options.format;
    this.maxBufferedBytes = bytesForDuration(played, options.aheadMs ?? 2_000);
    this.piece = Math.max(1, bytesForDuration(played, 100));
    this.rawPiece = Math.max(1, bytesForDuration(options.format, 100));
  }

  get aborted(): boolean {
    return this.options.signal.aborted;
  }

  /** Sends the request (once). */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.produce();
  }

  /**
   * Hands the audio (in the played format) to `onChunk`: what is buffered at once, then each chunk
   * in the tick it arrives from the vendor (no queue or generator hop per chunk). Resolves when
   * the synthesis ends, rejects if it failed (or `onChunk` threw). Once per job.
   */
  pipe(onChunk: (chunk: Uint8Array) => void): Promise<void> {
    this.start();
    return new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
      const buffered = this.buffered;
      this.buffered = [];
      this.bufferedBytes = 0;
      try {
        for (const chunk of buffered) onChunk(chunk);
      } catch (err) {
        this.finish(err);
        return;
      }
      this.sink = onChunk;
      this.wakeReader();
      if (this.finished || this.options.signal.aborted) this.finish(this.failure);
      else this.options.signal.addEventListener('abort', this.onAbort, { once: true });
    });
  }

  private wakeReader(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /**
   * Before the next read of the vendor stream: `undefined` to read now, or what to wait for —
   * the pipe (a job not yet piped that has read `aheadMs` ahead), or room in the backlog.
   */
  private room(): Promise<void> | undefined {
    const { signal, backlog } = this.options;
    if (signal.aborted || this.finished) return undefined;
    if (this.sink !== undefined) return backlog?.wait(signal);
    if (this.bufferedBytes < this.maxBufferedBytes) return undefined;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    }).then(() => this.room());
  }

  /** An abort ends the piping at once, whatever the vendor stream still does. */
  private readonly onAbort = (): void => this.finish();

  private deliver(chunk: Uint8Array): void {
    if (this.finished) return;
    const sink = this.sink;
    if (sink === undefined) {
      this.buffered.push(chunk);
      this.bufferedBytes += chunk.length;
      return;
    }
    try {
      sink(chunk);
    } catch (err) {
      this.finish(err);
    }
  }

  /** The synthesis is over (`failure` when it failed); settles `pipe` once it is piped. */
  private finish(failure?: unknown): void {
    if (!this.finished) {
      this.finished = true;
      this.failure = failure;
    }
    const settle = this.settle;
    if (settle === undefined) return;
    this.settle = undefined;
    this.sink = undefined;
    this.options.signal.removeEventListener('abort', this.onAbort);
    if (this.failure === undefined) settle.resolve();
    else settle.reject(this.failure);
  }

  /**
   * A large chunk (a socket read of seconds of audio) goes out in 100 ms pieces, each when there
   * is room: the work per wake-up stays small, so calls do not stall the loop.
   */
  private async handOn(chunk: Uint8Array): Promise<void> {
    for (let at = 0; at < chunk.length && !this.options.signal.aborted; at += this.piece) {
      await this.handOnPiece(at === 0 && chunk.length <= this.piece ? chunk : chunk.subarray(at, at + this.piece));
    }
  }

  /** Converts the whole chunk now (100 ms at a time, into the agent-audio slab), then hands each piece on when there is room. */
  private async handOnConverted(chunk: Uint8Array): Promise<void> {
    const converter = this.options.converter!;
    const pieces: Uint8Array[] = [];
    for (let at = 0; at < chunk.length; at += this.rawPiece) {
      const out = converter.convert(at === 0 && chunk.length <= this.rawPiece ? chunk : chunk.subarray(at, at + this.rawPiece));
      if (out.length > 0) pieces.push(agentAudio.copy(out));
    }
    for (let i = 0; i < pieces.length && !this.options.signal.aborted; i++) await this.handOnPiece(pieces[i]!);
  }

  /** Hands one piece on, then waits until there is room for the next. */
  private async handOnPiece(piece: Uint8Array): Promise<void> {
    this.deliver(piece);
    const wait = this.room();
    if (wait !== undefined) await wait;
  }

  private async produce(): Promise<void> {
    const { tts, usage, signal, logger, callId } = this.options;
    let billed = false;
    this.options.onRequest?.();
    const startedAt = performance.now();
    let firstAt: number | undefined;
    let requestId: string | undefined;
    let characters = 0;
    let outcome: ProviderRequestTiming['outcome'] = 'ok';
    let first = true;
    const onUsage = (u: { characters: number }): void => {
      billed = true;
      characters += u.characters;
      usage.add(tts.key, 'characters', u.characters);
    };
    const onRequestId = (id: string): void => {
      requestId = id;
    };
    // Reported once: when the stream ended, or in the abort's own tick (a barge-in commits the
    // turn right after aborting, before this stream unwinds).
    let reported = false;
    const report = (): void => {
      if (reported || !this.options.onDone) return;
      reported = true;
      signal.removeEventListener('abort', report);
      this.options.onDone({
        kind: 'tts',
        provider: tts.key,
        startedAt,
        ...(firstAt === undefined ? {} : { firstAt }),
        endedAt: performance.now(),
        outcome: signal.aborted ? 'aborted' : outcome,
        ...(requestId === undefined ? {} : { requestId }),
        ...(characters > 0 ? { usage: { characters } } : {}),
      });
    };
    if (this.options.onDone && !signal.aborted) signal.addEventListener('abort', report, { once: true });
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const stream = tts.synthesize(this.text, { format: this.options.format, signal, logger, callId, onUsage, onRequestId });
          for await (const chunk of stream) {
            if (signal.aborted) break;
            if (chunk.length === 0) continue;
            if (first) {
              first = false;
              firstAt = performance.now();
              this.options.onFirstByte?.();
            }
            if (this.options.converter !== undefined) await this.handOnConverted(chunk);
            else await this.handOn(chunk);
          }
          break;
        } catch (err) {
          if (signal.aborted || !StreamIdleTimeoutError.isStall(err)) throw err;
          if (first && attempt === 0) {
            logger.warn({ err, provider: tts.key, callId }, 'text-to-speech stalled; requesting the sentence again');
            continue;
          }
          logger.warn({ err, provider: tts.key, callId }, 'text-to-speech stalled; ending the sentence and going on');
          break;
        }
      }
      const tail = signal.aborted ? undefined : this.options.converter?.flush();
      if (tail !== undefined && tail.length > 0) this.deliver(tail);
      this.finish();
    } catch (err) {
      outcome = 'error';
      this.finish(signal.aborted ? undefined : (err ?? new Error('text-to-speech failed')));
    } finally {
      // A provider that reports no usage is billed for the text once audio came back.
      if (!billed && !first) {
        characters += this.text.length;
        usage.add(tts.key, 'characters', this.text.length);
      }
      report();
    }
  }
}
