import type { MeterProvider, Tracer } from '@opentelemetry/api';
import { loadOpenTelemetry, type OpenTelemetryApi } from './load-open-telemetry.js';
import { createPatterInstruments, type PatterInstruments } from './patter-metrics.js';
import { providerSignals, type ProviderSignal } from './provider-signals.js';

/** What a call's telemetry records through: the API, this meter provider's instruments, a tracer. */
export interface TelemetryRuntime {
  readonly api: OpenTelemetryApi;
  readonly instruments: PatterInstruments;
  readonly tracer: Tracer;
}

const SCOPE = '@patter/core';

let cachedProvider: MeterProvider | undefined;
let cachedInstruments: PatterInstruments | undefined;
let subscribed = false;

/**
 * The telemetry for a call about to start, or `undefined` without `@opentelemetry/api`.
 * Instruments are rebuilt only when the global meter provider changed (an SDK registered
 * after the first call); the API's meters are not proxies, so they are looked up per call.
 */
export function telemetryRuntime(): TelemetryRuntime | undefined {
  const api = loadOpenTelemetry();
  if (!api) return undefined;
  const provider = api.metrics.getMeterProvider();
  if (provider !== cachedProvider || !cachedInstruments) {
    cachedProvider = provider;
    cachedInstruments = createPatterInstruments(provider.getMeter(SCOPE));
  }
  if (!subscribed) {
    subscribed = true;
    providerSignals.subscribe((message) => recordProviderSignal(message as ProviderSignal));
  }
  return { api, instruments: cachedInstruments, tracer: api.trace.getTracer(SCOPE) };
}

function recordProviderSignal(signal: ProviderSignal): void {
  const instruments = cachedInstruments;
  if (!instruments) return;
  const attributes = { 'patter.provider': signal.provider, 'patter.error.kind': signal.kind };
  const counter =
    signal.type === 'retry' ? instruments.providerRetries : signal.type === 'reconnect' ? instruments.providerReconnects : instruments.providerErrors;
  counter.add(1, attributes);
}
