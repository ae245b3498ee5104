import { channel, type Channel } from 'node:diagnostics_channel';
import { ProviderError } from '../errors/provider-error.js';

/** What a provider did that operators count: a failure, a retry, a reconnect. */
export interface ProviderSignal {
  readonly type: 'error' | 'retry' | 'reconnect';
  /** The provider key (`deepgram`, `openai` …), or the fallback given when the error names none. */
  readonly provider: string;
  /** The error class in snake case (`provider_status_error`, `provider_timeout_error` …), or `error`. */
  readonly kind: string;
  readonly status?: number;
}

/**
 * Provider failures, retries and reconnects, published on the `patter:provider` diagnostics
 * channel. Publishing costs one boolean check when nobody listens (the telemetry subscribes
 * only when OpenTelemetry is installed).
 */
export const providerSignals: Channel = channel('patter:provider');

/** Publishes one provider signal for `error` (a `ProviderError` names its provider). */
export function reportProvider(type: ProviderSignal['type'], error: unknown, fallbackProvider = 'unknown'): void {
  if (!providerSignals.hasSubscribers) return;
  const isProvider = ProviderError.isProviderError(error);
  const signal: ProviderSignal = {
    type,
    provider: isProvider ? error.provider : fallbackProvider,
    kind: errorKind(error),
    ...(isProvider && error.status !== undefined ? { status: error.status } : {}),
  };
  providerSignals.publish(signal);
}

function errorKind(error: unknown): string {
  if (!(error instanceof Error)) return 'error';
  return error.name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
