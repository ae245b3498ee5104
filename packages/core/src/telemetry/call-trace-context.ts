import type { Span } from '@opentelemetry/api';

/** The span that is "current" for each call in progress (its turn, else the call): by call id. */
const current = new Map<string, Span>();

/** Set (or with `undefined`, forget) the current span of a call. */
export function setCallSpan(callId: string, span: Span | undefined): void {
  if (callId === '') return;
  if (span) current.set(callId, span);
  else current.delete(callId);
}

/** The current span of a call, if it is traced. */
export function callSpan(callId: string): Span | undefined {
  return current.get(callId);
}

/**
 * The W3C `traceparent` header value for requests made on behalf of a call (webhook tools,
 * `onMessage` over HTTP), or `undefined` when the call is not traced (no SDK, not sampled).
 */
export function traceparentFor(callId: string): string | undefined {
  const span = current.get(callId);
  if (!span) return undefined;
  const context = span.spanContext();
  if (!span.isRecording() && (context.traceFlags & 1) === 0) return undefined;
  return `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** `{ traceId, spanId }` for a log line about a call, or `undefined` when it is not traced. */
export function traceFieldsFor(callId: string): { readonly traceId: string; readonly spanId: string } | undefined {
  const span = current.get(callId);
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}

/** Adds `traceparent` to `headers` when the call is traced; returns `headers`. */
export function withTraceparent(headers: Record<string, string>, callId: string): Record<string, string> {
  const value = traceparentFor(callId);
  if (value !== undefined) headers.traceparent = value;
  return headers;
}
