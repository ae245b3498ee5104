import { createRequire } from 'node:module';
import type * as OpenTelemetryModule from '@opentelemetry/api';

/** The `@opentelemetry/api` module (an optional peer dependency). */
export type OpenTelemetryApi = typeof OpenTelemetryModule;

let loaded: OpenTelemetryApi | null | undefined;

/**
 * `@opentelemetry/api` if the app installed it, else `undefined` (then every telemetry hook is
 * skipped). Loaded once, synchronously, the first time a call starts — never on the frame path.
 * Without an SDK registered, the API itself hands out no-op meters and tracers.
 */
export function loadOpenTelemetry(): OpenTelemetryApi | undefined {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('@opentelemetry/api') as OpenTelemetryApi;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}
