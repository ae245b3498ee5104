import type { AgentOptions, AudioFormat, Logger, PreparedCall } from '@patter/core';
import { prepareCall } from '@patter/core/plugin';
import type { ServerContext } from './server-context.js';

export interface WarmupRegistryOptions {
  /** How long a preparation waits for its media stream before it is dropped (ms). Default 30 s. */
  readonly ttlMs?: number;
  /** Calls prepared at once; more ringing calls simply start cold. Default 32. */
  readonly maxEntries?: number;
  readonly logger: Logger;
}

interface Entry {
  readonly controller: AbortController;
  readonly timer: NodeJS.Timeout;
  readonly prepared: Promise<PreparedCall | undefined>;
}

/**
 * Answer-time warmup for inbound calls, keyed by call ref: when the carrier's webhook asks for the
 * stream URL (the phone is ringing), `start` wakes the agent's providers and synthesizes the
 * greeting (`prepareCall`); when the stream opens, `take` hands it to the call. Bounded in count and
 * time: a call whose stream never comes is dropped after `ttlMs` (its requests aborted, buffers
 * freed). Failures never reach the call: it starts as it would have without warmup.
 */
export class WarmupRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(private readonly options: WarmupRegistryOptions) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.maxEntries = options.maxEntries ?? 32;
  }

  get size(): number {
    return this.entries.size;
  }

  start(callRef: string, agent: AgentOptions, carrierFormat: AudioFormat): void {
    if (this.entries.has(callRef)) return;
    if (this.entries.size >= this.maxEntries) {
      this.options.logger.debug({ callRef }, 'warmup skipped: too many calls ringing');
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => this.drop(callRef), this.ttlMs);
    timer.unref();
    const prepared = prepareCall(agent, { carrierFormat, signal: controller.signal, logger: this.options.logger }).catch((err: unknown) => {
      this.options.logger.debug({ err, callRef }, 'warmup failed');
      return undefined;
    });
    this.entries.set(callRef, { controller, timer, prepared });
  }

  /** What was prepared for `callRef` (once), or `undefined` when nothing was started. */
  take(callRef: string): Promise<PreparedCall | undefined> | undefined {
    const entry = this.entries.get(callRef);
    if (!entry) return undefined;
    this.entries.delete(callRef);
    clearTimeout(entry.timer);
    return entry.prepared;
  }

  /** Drops every preparation (server shutdown). */
  close(): void {
    for (const callRef of [...this.entries.keys()]) this.drop(callRef);
  }

  private drop(callRef: string): void {
    const entry = this.entries.get(callRef);
    if (!entry) return;
    this.entries.delete(callRef);
    clearTimeout(entry.timer);
    entry.controller.abort();
    // A connection parked before the abort landed is closed once the preparation settles.
    void entry.prepared.then((prepared) => prepared?.stt?.close());
    this.options.logger.debug({ callRef }, 'warmup dropped: the media stream never came');
  }
}

const registries = new WeakMap<ServerContext, WarmupRegistry>();

/** The server's warmup registry (made on first use), or `undefined` when the serve option `warmup` is false. */
export function warmupsOf(context: ServerContext): WarmupRegistry | undefined {
  if (context.options.warmup === false) return undefined;
  let registry = registries.get(context);
  if (!registry) {
    registry = new WarmupRegistry({ logger: context.logger });
    registries.set(context, registry);
  }
  return registry;
}

/** Drops the server's preparations (shutdown), if it has a registry. */
export function closeWarmups(context: ServerContext): void {
  registries.get(context)?.close();
}
