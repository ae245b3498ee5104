import type { Logger } from '../log/logger.js';
import type { FallbackOptions } from './fallback-options.js';

interface Member<P> {
  readonly provider: P;
  readonly key: string;
  healthy: boolean;
  /** The delay before the next probe (doubles on each failure). */
  backoffMs: number;
  timer: NodeJS.Timeout | undefined;
  probing: AbortController | undefined;
}

/**
 * The health of a fallback provider's members, shared by every call of the agent. A member that
 * failed is taken out of rotation and probed in the background (unref'd timers, cleared by
 * `close()`); the order to try is the healthy members in configured order, then the unhealthy
 * ones as a last resort (when all are down, the request still tries them).
 */
export class ProviderHealth<P extends { readonly key: string; warmup?(): Promise<void> }> {
  private readonly members: Member<P>[];
  private readonly recoveryMs: number;
  private readonly maxRecoveryMs: number;
  private closed = false;

  constructor(
    providers: readonly P[],
    private readonly options: FallbackOptions<P>,
  ) {
    this.recoveryMs = Math.max(1, options.recoveryMs ?? 30_000);
    this.maxRecoveryMs = Math.max(this.recoveryMs, options.maxRecoveryMs ?? 300_000);
    this.members = providers.map((provider) => ({
      provider,
      key: provider.key,
      healthy: true,
      backoffMs: this.recoveryMs,
      timer: undefined,
      probing: undefined,
    }));
  }

  /** Members to try, best first: healthy in configured order, then the unhealthy ones. */
  order(): P[] {
    const healthy = this.members.filter((m) => m.healthy).map((m) => m.provider);
    const down = this.members.filter((m) => !m.healthy).map((m) => m.provider);
    return [...healthy, ...down];
  }

  isHealthy(provider: P): boolean {
    return this.member(provider)?.healthy ?? false;
  }

  /** The member failed: out of rotation, probed after its (doubling) backoff. */
  markFailed(provider: P, logger: Logger | undefined): void {
    const member = this.member(provider);
    if (!member || this.closed) return;
    if (!member.healthy) {
      member.backoffMs = Math.min(member.backoffMs * 2, this.maxRecoveryMs);
    }
    member.healthy = false;
    (logger ?? this.options.logger)?.warn({ provider: member.key, retryInMs: member.backoffMs }, 'fallback: provider marked unhealthy');
    this.schedule(member);
  }

  /** The member served a request: healthy, backoff reset. */
  markServed(provider: P): void {
    const member = this.member(provider);
    if (!member || member.healthy) return;
    this.restore(member);
  }

  /** Stops every probe timer and probe in flight. */
  close(): void {
    this.closed = true;
    for (const member of this.members) {
      clearTimeout(member.timer);
      member.timer = undefined;
      member.probing?.abort();
      member.probing = undefined;
    }
  }

  /** Probes pending or running (tests, timer census). */
  get pendingProbes(): number {
    return this.members.filter((m) => m.timer !== undefined || m.probing !== undefined).length;
  }

  private member(provider: P): Member<P> | undefined {
    return this.members.find((m) => m.provider === provider);
  }

  private restore(member: Member<P>): void {
    clearTimeout(member.timer);
    member.timer = undefined;
    member.probing?.abort();
    member.probing = undefined;
    member.healthy = true;
    member.backoffMs = this.recoveryMs;
  }

  private schedule(member: Member<P>): void {
    clearTimeout(member.timer);
    member.probing?.abort();
    member.probing = undefined;
    member.timer = setTimeout(() => void this.probe(member), member.backoffMs);
    member.timer.unref();
  }

  private async probe(member: Member<P>): Promise<void> {
    member.timer = undefined;
    if (this.closed || member.healthy) return;
    const controller = new AbortController();
    member.probing = controller;
    const probe = this.options.probe ?? ((p: P) => p.warmup?.() ?? Promise.resolve());
    try {
      await probe(member.provider, controller.signal);
      if (controller.signal.aborted || member.probing !== controller) return;
      this.restore(member);
      this.options.logger?.info({ provider: member.key }, 'fallback: provider back in rotation');
    } catch {
      if (controller.signal.aborted || member.probing !== controller) return;
      member.probing = undefined;
      member.backoffMs = Math.min(member.backoffMs * 2, this.maxRecoveryMs);
      this.schedule(member);
    }
  }
}
