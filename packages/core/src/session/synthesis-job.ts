import type { AudioFormat } from '../audio/audio-format.js';
import { StreamIdleTimeoutError } from '../errors/stream-idle-timeout-error.js';
import type { Logger } from '../log/logger.js';
import type { TTSProvider } from '../tts/tts-provider.js';
import { AsyncQueue } from '../util/async-queue.js';
import type { UsageMeter } from './usage-meter.js';

export interface SynthesisJobOptions {
  readonly tts: TTSProvider;
  readonly format: AudioFormat;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly callId: string;
  readonly usage: UsageMeter;
  readonly onRequest?: (() => void) | undefined;
  readonly onFirstByte?: (() => void) | undefined;
}

/**
 * One sentence's synthesis, startable ahead of playback: the speech output starts the next
 * sentence's request while the current one is still streaming, so the next sentence's time to
 * first byte is hidden. Audio is buffered until the sender reads it; an abort ends it at once.
 * A vendor stream that stalls (`StreamIdleTimeoutError`) is requested once more when none of
 * the sentence's audio came yet; otherwise (or when the retry stalls too) the sentence ends
 * with what it had and the speech goes on with the next one. Characters are counted only for
 * audio that was synthesized (the vendor's `onUsage` when it reports one).
 */
export class SynthesisJob {
  private readonly audio = new AsyncQueue<Uint8Array>(4096);
  private started = false;

  constructor(
    readonly text: string,
    private readonly options: SynthesisJobOptions,
  ) {}

  get aborted(): boolean {
    return this.options.signal.aborted;
  }

  /** Sends the request (once). */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.produce();
  }

  /** The audio, in the TTS format; throws if the synthesis failed. */
  chunks(): AsyncIterable<Uint8Array> {
    this.start();
    return this.audio;
  }

  private async produce(): Promise<void> {
    const { tts, usage, signal, logger, callId } = this.options;
    let billed = false;
    this.options.onRequest?.();
    let first = true;
    const onUsage = (u: { characters: number }): void => {
      billed = true;
      usage.add(tts.key, 'characters', u.characters);
    };
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const stream = tts.synthesize(this.text, { format: this.options.format, signal, logger, callId, onUsage });
          for await (const chunk of stream) {
            if (signal.aborted) break;
            if (chunk.length === 0) continue;
            if (first) {
              first = false;
              this.options.onFirstByte?.();
            }
            this.audio.push(chunk);
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
      this.audio.end();
    } catch (err) {
      if (signal.aborted) this.audio.end();
      else this.audio.fail(err);
    } finally {
      // A provider that reports no usage is billed for the text once audio came back.
      if (!billed && !first) usage.add(tts.key, 'characters', this.text.length);
    }
  }
}
