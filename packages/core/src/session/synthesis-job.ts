import type { AudioFormat } from '../audio/audio-format.js';
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
    const { tts, usage, signal } = this.options;
    let billed = false;
    this.options.onRequest?.();
    let first = true;
    try {
      const stream = tts.synthesize(this.text, {
        format: this.options.format,
        signal,
        logger: this.options.logger,
        callId: this.options.callId,
        onUsage: (u) => {
          billed = true;
          usage.add(tts.key, 'characters', u.characters);
        },
      });
      for await (const chunk of stream) {
        if (signal.aborted) break;
        if (chunk.length === 0) continue;
        if (first) {
          first = false;
          this.options.onFirstByte?.();
        }
        this.audio.push(chunk);
      }
      this.audio.end();
    } catch (err) {
      if (signal.aborted) this.audio.end();
      else this.audio.fail(err);
    } finally {
      if (!billed) usage.add(tts.key, 'characters', this.text.length);
    }
  }
}
