import type { CallSession, LLMProvider, Logger } from '@patter/core';
import { CallStore, openCallStore, StoreWriter, type CallRecord, type OpenCallStoreOptions } from '@patter/store';
import { CallRecorder, type CallRecorderInit } from './call-recorder.js';
import { LiveCalls } from './live-calls.js';
import { analyzeCall, type AnalysisOptions } from './post-call-analysis.js';
import { PostCallDelivery, POST_CALL_TOPIC, SYSTEM_CLOCK, type DeliveryClock, type PostCallOptions } from './post-call-delivery.js';

export interface CallHistoryOptions {
  /** A store, or how to open one (PGlite in `.patter/db`, or `url` / `DATABASE_URL`). */
  readonly store: CallStore | OpenCallStoreOptions;
  readonly logger: Logger;
  readonly postCall?: PostCallOptions;
  /** Run this analysis with `llm` over each finished call before it is written (and sent). */
  readonly analysis?: { readonly options: AnalysisOptions; readonly llm: LLMProvider };
  /** Delete calls older than this many days (checked at start and daily). */
  readonly retentionDays?: number;
  readonly clock?: DeliveryClock;
  /** StoreWriter retry tuning (tests). */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
}

/**
 * The server's call history: records every call through a `CallRecorder`, keeps the live view,
 * writes finished calls through a bounded retrying `StoreWriter` (never on the call's path, never
 * failing a call), and delivers post-call webhooks from the store's outbox.
 */
export class CallHistory {
  readonly live = new LiveCalls();
  private readonly writer: StoreWriter;
  private readonly delivery: PostCallDelivery | undefined;
  private readonly logger: Logger;
  private readonly clock: DeliveryClock;
  private opening: Promise<CallStore> | undefined;
  private readonly ownsStore: boolean;
  private retention: NodeJS.Timeout | undefined;
  private readonly analyses = new Map<AbortController, Promise<void>>();

  constructor(private readonly options: CallHistoryOptions) {
    this.logger = options.logger.child({ component: 'call-history' });
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.writer = new StoreWriter({
      logger: this.logger,
      ...(options.retryMs !== undefined && { retryMs: options.retryMs }),
      ...(options.maxRetryMs !== undefined && { maxRetryMs: options.maxRetryMs }),
    });
    this.ownsStore = !(options.store instanceof CallStore);
    if (options.store instanceof CallStore) this.opening = Promise.resolve(options.store);
    if (options.postCall) this.delivery = new PostCallDelivery(options.postCall, () => this.store(), this.logger, this.clock);
  }

  /** Opens the store in the background and starts the deliveries and the retention sweep. */
  start(): void {
    this.store().catch(() => {});
    this.delivery?.start();
    if (this.options.retentionDays !== undefined) {
      const days = this.options.retentionDays;
      const sweep = (): void =>
        this.writer.enqueue('retention', async () => {
          const deleted = await (await this.store()).deleteOlderThan(days, this.clock.now());
          if (deleted > 0) this.logger.info({ deleted, days }, 'old calls deleted (retention)');
        });
      sweep();
      this.retention = setInterval(sweep, 86_400_000).unref();
    }
  }

  /**
   * The store, opened on first use. A failed open (database unreachable at start) is retried by
   * the next caller, so the writes queued meanwhile land once it is reachable.
   */
  store(): Promise<CallStore> {
    if (this.opening === undefined) {
      const { store } = this.options;
      // PGlite's WASM is imported inside openCallStore, only when the embedded database is used.
      this.opening = openCallStore({ logger: this.logger, ...(store as OpenCallStoreOptions) }).catch((err: unknown) => {
          this.opening = undefined;
          throw err;
        });
    }
    return this.opening as Promise<CallStore>;
  }

  /** Follows one call: live updates as it runs, and its record written once it ended. */
  observe(session: CallSession, init: CallRecorderInit): void {
    const recorder = new CallRecorder(init, (source, change) => this.live.publish(source, change));
    this.live.add(init.callRef, recorder);
    recorder.observe(session);
    session.ended.then(
      (summary) => this.finish(init.callRef, recorder.finish(summary)),
      (err: unknown) => this.finish(init.callRef, recorder.finish(undefined, err)),
    );
  }

  /** A recording the carrier reported (usually after the call was written). */
  addRecording(callId: string, url: string, durationSeconds?: number): void {
    this.writer.enqueue('recording', async () => {
      const stored = await (await this.store()).addRecording(callId, { url, ...(durationSeconds !== undefined && { durationSeconds }) });
      if (!stored) this.logger.debug({ callId }, 'recording for a call not in the store');
    });
  }

  /** Resolves when every write queued so far has landed (tests, graceful shutdown). */
  idle(): Promise<void> {
    return this.writer.idle();
  }

  /** Writes queued and not landed yet. */
  get pendingWrites(): number {
    return this.writer.pending;
  }

  /** Retry queued writes now rather than after the backoff. */
  retryNow(): void {
    this.writer.retryNow();
  }

  async close(timeoutMs = 5_000): Promise<void> {
    clearInterval(this.retention);
    // Analyses still running are cut short; their calls are written with the error noted.
    for (const controller of this.analyses.keys()) controller.abort();
    await Promise.all(this.analyses.values());
    await this.writer.close(timeoutMs);
    await this.delivery?.close();
    if (this.ownsStore && this.opening) await (await this.opening.catch(() => undefined))?.close();
  }

  private finish(callRef: string, record: CallRecord): void {
    this.live.remove(callRef);
    const { analysis } = this.options;
    if (!analysis) return this.write(record);
    const controller = new AbortController();
    const done = analyzeCall(record, analysis.options, analysis.llm, controller.signal).then((result) => {
      this.analyses.delete(controller);
      if (result.error !== undefined) this.logger.warn({ callId: record.callId, error: result.error }, 'post-call analysis failed');
      this.write({ ...record, analysis: result });
    });
    this.analyses.set(controller, done);
  }

  private write(record: CallRecord): void {
    const now = this.clock.now();
    const postCall = this.delivery ? { topic: POST_CALL_TOPIC, payload: { type: 'call.ended', call: record }, now } : undefined;
    this.writer.enqueue('call', async () => {
      await (await this.store()).saveCall(record, postCall);
      this.delivery?.kick();
    });
  }
}
