import type { AudioFormat } from '../../audio/audio-format.js';
import type { CallTransport } from '../../carrier/call-transport.js';
import { sendMarkingFirstFrame } from '../../carrier/mark-first-frame.js';
import { createAudioConverter } from '../../audio/audio-converter.js';
import { conversionChain } from '../../audio/negotiate-format.js';
import type { Logger } from '../../log/logger.js';
import type { TTSProvider } from '../../tts/tts-provider.js';
import { chooseFormat } from '../pipeline/audio-path.js';
import { playedPrefix } from './played-prefix.js';
import { PlayoutBacklog } from './playout-backlog.js';
import { SynthesisJob } from './synthesis-job.js';
import type { ProviderRequestTiming } from '../call-session.js';
import type { UsageMeter } from '../usage/usage-meter.js';
import { reportProvider } from '../../telemetry/provider-signals.js';

/** Sentences requested from the TTS ahead of the one being sent. */
const LOOKAHEAD = 1;

/** Timing callbacks for the turn's metrics. */
export interface SpeechHooks {
  readonly onTtsRequest?: () => void;
  readonly onTtsFirstByte?: () => void;
  readonly onFirstFrame?: () => void;
  /** Each sentence's TTS request, once its stream ended. */
  readonly onTtsRequestEnd?: (request: ProviderRequestTiming) => void;
  /** A mark placed right after the first frame: its echo says when the caller heard the reply. */
  readonly firstFrameMark?: string;
  /** The carrier played `firstFrameMark` (not called when it was cleared or the call ended). */
  readonly onHeard?: () => void;
}

interface Segment {
  readonly text: string;
  /** The sentence's position in its utterance. */
  readonly index: number;
  /** On the transport's timeline (ms since the last clear, padding included): where its audio starts… */
  startMs: number;
  /** …and ends (before the padding its mark adds: silence, not part of the sentence). */
  endMs: number;
  /** The carrier echoed the sentence's mark, or a later one. */
  played: boolean;
}

/** One reply being spoken: sentences go in, audio goes to the carrier with a mark after each. */
export interface Utterance {
  /** Queue a sentence (synthesized after the previous one). */
  say(text: string): void;
  /** Resolves when the audio of every sentence said so far was sent (not yet played). */
  finish(): Promise<void>;
  /**
   * The text the caller heard so far (whole sentences, then the heard part of the current
   * one), from sentence `fromSentence` on.
   */
  playedText(fromSentence?: number): string;
  /** All the text whose audio was sent. */
  sentText(): string;
}

export interface SpeechOutputOptions {
  readonly tts: TTSProvider;
  readonly transport: CallTransport;
  readonly logger: Logger;
  readonly usage: UsageMeter;
  readonly callId: () => string;
  /**
   * A sentence's first audio is about to go to the carrier (hold audio fades out then); true when
   * hold audio was playing, so the agent's speech starts now for barge-in.
   */
  readonly onSpeechAudio?: () => boolean;
}

/**
 * The agent's voice on one call: synthesizes sentences with the TTS in a format negotiated
 * against the carrier's (converted only when the TTS cannot produce the carrier format, each
 * sentence by a converter of its own as its audio arrives),
 * sends the audio to the transport and places a mark after each sentence, and knows which
 * text was actually played — from the marks' promises and the transport's timeline
 * (`positionMs()` as each sentence is sent, `playedMs()` now) — for barge-in.
 */
export class SpeechOutput {
  readonly ttsFormat: AudioFormat;
  /** The TTS audio is converted to the carrier's format (each sentence by its own converter). */
  private readonly converts: boolean;
  /** Sentences sent since the last clear whose mark has not been echoed, in order. */
  private readonly segments: Segment[] = [];
  private markSeq = 0;
  private pending = 0;
  private tail: Promise<void> = Promise.resolve();
  /** Sentences not yet fully sent, in order (the first two have their requests out). */
  private readonly queued: SynthesisJob[] = [];
  private firstFrameAt = 0;
  /** The TTS is read only while the transport has less than ~2 s queued (backpressure). */
  private readonly backlog: PlayoutBacklog;

  constructor(private readonly options: SpeechOutputOptions) {
    const { tts, transport } = options;
    this.backlog = new PlayoutBacklog(() => transport.pendingMs());
    this.ttsFormat = chooseFormat(tts.outputFormats, transport.format, 'tts');
    this.converts = conversionChain(this.ttsFormat, transport.format).length > 0;
  }

  /** Whether the agent is talking: sentences waiting for synthesis, or audio not yet played. */
  get speaking(): boolean {
    return this.pending > 0 || this.options.transport.pendingMs() > 0;
  }

  /** When the current speech's first frame went out (performance.now()), 0 when silent. */
  get speakingSince(): number {
    return this.speaking ? this.firstFrameAt : 0;
  }

  /** Resolves when every sentence queued so far has been synthesized and sent. */
  async idle(): Promise<void> {
    let tail: Promise<void>;
    do {
      tail = this.tail;
      await tail;
    } while (tail !== this.tail);
  }

  /**
   * Starts speaking a reply. Sentences of every utterance are synthesized one after the
   * other, in order. Aborting `signal` skips its remaining sentences and aborts the TTS
   * request in flight; the caller clears the transport.
   */
  start(signal: AbortSignal, hooks: SpeechHooks = {}): Utterance {
    const mine: Segment[] = [];
    let last: Promise<void> = Promise.resolve();
    let index = 0;
    let first = true;
    return {
      say: (text) => {
        if (signal.aborted) return;
        const sentence = index++;
        const sentenceHooks = first ? hooks : {};
        first = false;
        this.pending++;
        const job = new SynthesisJob(text, {
          tts: this.options.tts,
          format: this.ttsFormat,
          converter: this.converts ? createAudioConverter(this.ttsFormat, this.options.transport.format) : undefined,
          signal,
          logger: this.options.logger,
          callId: this.options.callId(),
          usage: this.options.usage,
          onRequest: sentenceHooks.onTtsRequest,
          onFirstByte: sentenceHooks.onTtsFirstByte,
          onDone: hooks.onTtsRequestEnd,
          backlog: this.backlog,
        });
        this.queued.push(job);
        this.prefetch();
        last = this.tail = this.tail.then(async () => {
          try {
            if (!signal.aborted) await this.send(job, sentence, mine, signal, sentenceHooks);
          } catch (err) {
            if (!signal.aborted) {
              this.options.logger.error({ err, callId: this.options.callId() }, 'text-to-speech failed');
              reportProvider('error', err, this.options.tts.key);
            }
          } finally {
            this.pending--;
            const at = this.queued.indexOf(job);
            if (at >= 0) this.queued.splice(at, 1);
            this.prefetch();
          }
        });
      },
      finish: () => last,
      playedText: (fromSentence = 0) => this.playedText(mine, fromSentence),
      sentText: () => mine.map((s) => s.text).join(' '),
    };
  }

  /** Barge-in: drop everything queued at the carrier. Call after reading `playedText()`. */
  clear(): void {
    this.options.transport.clear();
    this.segments.length = 0;
  }

  close(): void {
    this.segments.length = 0;
  }

  /** Audio that is not a sentence (hold audio): queued at the carrier, on its timeline. */
  sendSound(audio: Uint8Array): void {
    this.options.transport.sendAudio(audio);
  }

  /** Keeps the sentence being sent and the next one requested (one sentence of lookahead). */
  private prefetch(): void {
    let started = 0;
    for (const job of this.queued) {
      if (job.aborted) continue;
      job.start();
      if (++started === LOOKAHEAD + 1) break;
    }
  }

  private async send(job: SynthesisJob, index: number, mine: Segment[], signal: AbortSignal, hooks: SpeechHooks): Promise<void> {
    const { transport } = this.options;
    const segment: Segment = { text: job.text, index, startMs: 0, endMs: 0, played: false };
    let firstFrame = true;
    // Each chunk goes to the transport in the tick the vendor delivered it (no per-chunk await).
    await job.pipe((frame) => {
      if (signal.aborted) return;
      if (firstFrame) {
        // Hold audio may have been sent while this sentence was synthesized: it starts after it.
        if (this.options.onSpeechAudio?.() === true) this.firstFrameAt = performance.now();
        segment.startMs = segment.endMs = transport.positionMs();
        mine.push(segment);
        this.segments.push(segment);
      }
      if (transport.positionMs() === 0 || transport.pendingMs() === 0) this.firstFrameAt = performance.now();
      if (firstFrame && hooks.firstFrameMark !== undefined) {
        const onHeard = hooks.onHeard;
        void sendMarkingFirstFrame(transport, frame, hooks.firstFrameMark).then((played) => {
          if (played) onHeard?.();
        });
      } else transport.sendAudio(frame);
      segment.endMs = transport.positionMs();
      if (firstFrame) {
        firstFrame = false;
        hooks.onFirstFrame?.();
      }
    });
    if (signal.aborted || firstFrame) return;
    void transport.mark(`patter-${++this.markSeq}`).then((played) => {
      if (!played) return;
      // Marks echo in order: this sentence and every one before it have been played.
      const index = this.segments.indexOf(segment);
      if (index < 0) return;
      for (const before of this.segments.splice(0, index + 1)) before.played = true;
    });
  }

  private playedText(mine: readonly Segment[], fromSentence: number): string {
    const played = this.options.transport.playedMs();
    const parts: string[] = [];
    for (const segment of mine) {
      if (segment.index < fromSentence) continue;
      if (segment.played || played >= segment.endMs) {
        parts.push(segment.text);
        continue;
      }
      if (played > segment.startMs && segment.endMs > segment.startMs) {
        const heard = playedPrefix(segment.text, (played - segment.startMs) / (segment.endMs - segment.startMs));
        if (heard !== '') parts.push(heard);
      }
      break;
    }
    return parts.join(' ');
  }
}
