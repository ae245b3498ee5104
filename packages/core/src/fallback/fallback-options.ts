import type { Logger } from '../log/logger.js';

/** How a fallback provider treats a failed member. */
export interface FallbackOptions<P> {
  /**
   * How long a failed provider stays out of rotation before its probe runs. Doubles after each
   * failed probe or failed return, up to `maxRecoveryMs`. Default 30 s.
   */
  readonly recoveryMs?: number;
  /** Ceiling of the doubling recovery delay. Default 5 min. */
  readonly maxRecoveryMs?: number;
  /**
   * The background probe: resolves when the provider looks reachable again, rejects when not.
   * Default: the provider's own `warmup()` (pre-opens its socket/TLS), after which it is put back
   * first in line; a real failure on its next use takes it out again with a doubled delay.
   */
  readonly probe?: (provider: P, signal: AbortSignal) => Promise<void>;
  /** Where failovers and probes are logged when the request carries no logger. */
  readonly logger?: Logger;
}
