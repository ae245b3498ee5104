import { randomUUID } from 'node:crypto';
import type { Logger } from '@patter/core';
import type { CallStore, OutboxEntry } from '@patter/store';
import { POST_CALL_SIGNATURE_HEADER, signPostCall } from './post-call-signature.js';

export const POST_CALL_TOPIC = 'postCall';

/** `postCall` serve option: where each finished call's record is POSTed. */
export interface PostCallOptions {
  readonly url: string;
  /** Signs every request (`Patter-Signature`); verify with `verifyPostCallSignature`. At least 16 characters. */
  readonly secret: string;
  /** First retry delay, doubling per failure up to `maxRetryMs`. Default 5 s. */
  readonly retryMs?: number;
  /** Default 10 min. */
  readonly maxRetryMs?: number;
  /** One request's timeout. Default 10 s. */
  readonly timeoutMs?: number;
}

/** The clock deliveries run on; tests pass a controllable one. */
export interface DeliveryClock {
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const SYSTEM_CLOCK: DeliveryClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

/**
 * Delivers the outbox's post-call records to the receiver, oldest first, one at a time: a
 * receiver that is down holds the line (retried with backoff) so it later gets every record,
 * once each, in order. The outbox lives in the store, so a restart resumes where it stopped.
 * Any 2xx is delivered; anything else (or no answer in time) is retried.
 */
export class PostCallDelivery {
  private readonly stop = new AbortController();
  private wake: AbortController = new AbortController();
  private running: Promise<void> | undefined;
  /** This server's name on outbox leases. */
  private readonly owner = randomUUID();

  constructor(
    private readonly options: PostCallOptions,
    private readonly store: () => Promise<CallStore>,
    private readonly logger: Logger,
    private readonly clock: DeliveryClock = SYSTEM_CLOCK,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** Starts the loop (idempotent); call `kick()` when a record was queued. */
  start(): void {
    this.running ??= this.loop().catch((err: unknown) => this.logger.error({ err }, 'post-call delivery stopped'));
  }

  /** A new record is in the outbox: stop waiting for an idle poll. Does not cut a backoff short. */
  kick(): void {
    this.wake.abort();
  }

  /** Stops the loop and hands back its lease (a crashed server's lease expires on its own, ~70 s). */
  async close(): Promise<void> {
    this.stop.abort();
    this.wake.abort();
    await this.running;
    if (this.running === undefined) return;
    try {
      await (await this.store()).outbox.release(this.owner);
    } catch {
      // The database is unreachable: the lease expires by itself.
    }
  }

  private async loop(): Promise<void> {
    const signal = this.stop.signal;
    let failures = 0;
    while (!signal.aborted) {
      // A fresh wake-up before reading: a record queued after the read still cuts the idle wait.
      this.wake = new AbortController();
      const wake = this.wake.signal;
      let entry: OutboxEntry | undefined;
      let store: CallStore;
      try {
        store = await this.store();
        entry = await store.outbox.head(POST_CALL_TOPIC);
      } catch (err) {
        this.logger.warn({ err: { name: (err as Error).name } }, 'post-call outbox unreadable: will retry');
        await this.clock.sleep(this.options.retryMs ?? 5_000, signal);
        continue;
      }
      if (!entry) {
        await this.clock.sleep(60_000, AbortSignal.any([signal, wake]));
        continue;
      }
      const wait = entry.nextAt - this.clock.now();
      if (wait > 0) {
        await this.clock.sleep(wait, signal);
        continue;
      }
      // Another server sharing the database may be delivering this one: only the lease holder sends.
      const now = this.clock.now();
      let claimed: boolean;
      try {
        claimed = await store.outbox.claim(entry, this.owner, now, now + (this.options.timeoutMs ?? 10_000) + 60_000);
      } catch (err) {
        this.logger.warn({ err: { name: (err as Error).name } }, 'post-call outbox unreadable: will retry');
        await this.clock.sleep(this.options.retryMs ?? 5_000, signal);
        continue;
      }
      if (!claimed) {
        await this.clock.sleep(Math.min(this.options.retryMs ?? 5_000, 1_000), signal);
        continue;
      }
      const error = await this.send(entry);
      if (signal.aborted) return;
      try {
        if (error === undefined) {
          await store.outbox.delivered(entry.id, this.clock.now());
          failures = 0;
        } else {
          failures += 1;
          const delay = Math.min(this.options.maxRetryMs ?? 600_000, (this.options.retryMs ?? 5_000) * 2 ** Math.min(failures - 1, 20));
          this.logger.warn({ callId: entry.callId, attempt: entry.attempts + 1, error, retryInMs: delay }, 'post-call webhook failed: will retry');
          await store.outbox.failed(entry.id, this.clock.now() + delay, error);
        }
      } catch (err) {
        this.logger.warn({ err: { name: (err as Error).name } }, 'post-call outbox update failed: will retry');
        await this.clock.sleep(this.options.retryMs ?? 5_000, signal);
      }
    }
  }

  /** One attempt; undefined when the receiver took it, else a short reason (no body text). */
  private async send(entry: OutboxEntry): Promise<string | undefined> {
    const body = JSON.stringify(entry.payload);
    const timestampS = Math.floor(this.clock.now() / 1000);
    try {
      const response = await this.fetchImpl(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [POST_CALL_SIGNATURE_HEADER]: signPostCall(body, this.options.secret, timestampS),
          'patter-event-id': String(entry.id),
        },
        body,
        signal: AbortSignal.any([this.stop.signal, AbortSignal.timeout(this.options.timeoutMs ?? 10_000)]),
      });
      await response.body?.cancel().catch(() => {});
      return response.ok ? undefined : `HTTP ${response.status}`;
    } catch (err) {
      const { name, cause } = err as { name?: string; cause?: { code?: string } };
      return cause?.code ?? name ?? 'fetch failed';
    }
  }
}
