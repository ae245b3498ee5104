import { bytesForDuration, durationMs, type AudioFormat } from '../audio/audio-format.js';
import type { Logger } from '../log/logger.js';
import { AudioReplayBuffer } from '../stt/audio-replay-buffer.js';
import type { STTProvider, STTStream, STTStreamOptions, STTUsage } from '../stt/stt-provider.js';
import type { Transcript } from '../stt/transcript.js';
import type { ProviderHealth } from './provider-health.js';
import { shouldFailOver } from './should-fail-over.js';

/** Audio kept for a replay on the next member: what the vendor has not finalized yet. */
const REPLAY_SECONDS = 30;

/**
 * One call's recognition across a fallback STT's members: one member's stream at a time. When
 * it fails (connection, auth, timeout, 5xx), the next member's stream opens and is sent the audio
 * since the last final transcript, then a finalize if one was pending; transcripts go on from it.
 */
export class FallbackSTTStream implements STTStream {
  private readonly controller = new AbortController();
  private readonly replay: AudioReplayBuffer;
  private readonly logger: Logger | undefined;
  private current: { provider: STTProvider; stream: STTStream; origin: number } | undefined;
  /** Members that failed since the last transcript (not tried again in this run). */
  private readonly failedRun = new Set<STTProvider>();
  private closedSeconds = 0;
  private finalizePending = false;
  private closed = false;
  private readonly onAbort = () => this.controller.abort();

  constructor(
    private readonly health: ProviderHealth<STTProvider>,
    private readonly options: STTStreamOptions,
  ) {
    this.logger = options.logger;
    this.replay = new AudioReplayBuffer(bytesForDuration(options.format, REPLAY_SECONDS * 1000));
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.open();
  }

  sendAudio(audio: Uint8Array): void {
    if (this.closed) return;
    this.replay.write(audio);
    this.current?.stream.sendAudio(audio);
  }

  finalize(): void {
    if (this.closed) return;
    this.finalizePending = true;
    this.current?.stream.finalize();
  }

  async *transcripts(): AsyncIterable<Transcript> {
    let lastError: unknown;
    while (this.current !== undefined) {
      const { provider, stream, origin } = this.current;
      try {
        for await (const event of stream.transcripts()) {
          this.failedRun.clear();
          if (event.isFinal) this.onFinal(event, origin);
          yield event;
        }
        return;
      } catch (error) {
        if (this.closed || !shouldFailOver(error, this.options.signal)) throw error;
        lastError = error;
        this.logger?.warn({ callId: this.options.callId, provider: provider.key, err: error }, 'fallback: stt provider failed, trying the next');
        this.health.markFailed(provider, this.logger);
        this.failedRun.add(provider);
        this.retire(stream);
        this.open();
      }
    }
    throw lastError;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const current = this.current;
    if (current) await current.stream.close().catch(() => {});
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.controller.abort();
  }

  usage(): STTUsage {
    return { audioSeconds: this.closedSeconds + (this.current?.stream.usage().audioSeconds ?? 0) };
  }

  /** Opens the next member not failed in this run, replaying the unfinalized audio. */
  private open(): void {
    this.current = undefined;
    const provider = this.health.order().find((p) => !this.failedRun.has(p));
    if (provider === undefined) return;
    const origin = this.replay.start;
    const stream = provider.stream({ ...this.options, signal: this.controller.signal });
    this.current = { provider, stream, origin };
    this.logger?.info(
      { callId: this.options.callId, provider: provider.key, replayMs: Math.round(durationMs(this.options.format, this.replay.end - origin)) },
      'fallback: stt provider serving the call',
    );
    if (this.replay.end > origin) stream.sendAudio(this.replay.read(origin, this.replay.end).slice());
    if (this.finalizePending) stream.finalize();
  }

  /** A final covers the audio up to its last word (or all audio sent, without timings). */
  private onFinal(event: Transcript, origin: number): void {
    if (event.fromFinalize || event.speechFinal) this.finalizePending = false;
    const last = event.words?.[event.words.length - 1];
    const format: AudioFormat = this.options.format;
    const upTo = last ? origin + bytesForDuration(format, last.end * 1000) : this.replay.end;
    this.replay.trim(upTo);
  }

  private retire(stream: STTStream): void {
    this.closedSeconds += stream.usage().audioSeconds;
    void stream.close().catch(() => {});
  }
}
