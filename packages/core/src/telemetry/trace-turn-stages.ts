import type { Attributes, Context, Span } from '@opentelemetry/api';
import type { ProviderRequestTiming, TurnMetrics } from '../session/call-session.js';
import type { CallLabels } from './call-labels.js';
import type { TelemetryRuntime } from './telemetry-runtime.js';

/** Usage fields of a request → span attribute suffixes. */
const USAGE_ATTRIBUTES: Readonly<Record<string, string>> = {
  inputTokens: 'usage.input_tokens',
  outputTokens: 'usage.output_tokens',
  cachedInputTokens: 'usage.cached_input_tokens',
  characters: 'usage.characters',
};

/** The first token (LLM) or audio byte (TTS): the span event and its latency attribute. */
const FIRST: Readonly<Record<ProviderRequestTiming['kind'], readonly [event: string, attribute: string]>> = {
  llm: ['patter.llm.first_token', 'patter.llm.ttft_ms'],
  tts: ['patter.tts.first_byte', 'patter.tts.ttfb_ms'],
};

/** `patter.<kind>.provider` and `patter.<kind>.model` of a provider key. */
export function providerAttributes(labels: CallLabels, kind: string, key: string | undefined): Attributes {
  if (key === undefined) return {};
  const model = labels.byKey.get(key)?.model;
  return { [`patter.${kind}.provider`]: key, ...(model === undefined ? {} : { [`patter.${kind}.model`]: model }) };
}

/**
 * The children of a turn's span: the STT final (caller speech end → final transcript), then one
 * span per LLM and TTS request from its start to the end of its stream, with the first token or
 * byte as an event, the vendor's request id and the usage. Without request timings (an older
 * session), the LLM and TTS spans fall back to the timeline (request → first token/byte).
 */
export function traceTurnStages(runtime: TelemetryRuntime, labels: CallLabels, turn: Span, metrics: TurnMetrics, sttRequestId: string | undefined): void {
  const { api, tracer } = runtime;
  const parent: Context = api.trace.setSpan(api.context.active(), turn);
  const timeline = metrics.timeline ?? {};
  const child = (name: string, from: number | undefined, to: number | undefined, attributes: Attributes): Span | undefined => {
    if (from === undefined || to === undefined || to < from) return undefined;
    return tracer.startSpan(name, { startTime: from, attributes }, parent);
  };
  const stt = child('patter.stt', timeline.speechEnd, timeline.sttFinal, {
    ...providerAttributes(labels, 'stt', metrics.providers.stt),
    ...(sttRequestId === undefined ? {} : { 'patter.stt.request_id': sttRequestId }),
  });
  stt?.end(timeline.sttFinal);
  const requests = metrics.requests ?? [];
  for (const kind of ['llm', 'tts'] as const) {
    if (requests.some((r) => r.kind === kind)) continue;
    const [from, to] = kind === 'llm' ? [timeline.llmRequest, timeline.llmFirstToken] : [timeline.ttsRequest, timeline.ttsFirstByte];
    child(`patter.${kind}`, from, to, providerAttributes(labels, kind, metrics.providers[kind]))?.end(to);
  }
  for (const request of requests) {
    const kind = request.kind;
    const attributes: Attributes = { ...providerAttributes(labels, kind, request.provider), 'patter.request.outcome': request.outcome };
    if (request.requestId !== undefined) attributes[`patter.${kind}.request_id`] = request.requestId;
    const [event, latency] = FIRST[kind];
    if (request.firstAt !== undefined) attributes[latency] = Math.round((request.firstAt - request.startedAt) * 1000) / 1000;
    for (const [field, amount] of Object.entries(request.usage ?? {})) {
      const suffix = USAGE_ATTRIBUTES[field];
      if (suffix !== undefined) attributes[`patter.${kind}.${suffix}`] = amount;
    }
    const span = child(`patter.${kind}`, request.startedAt, request.endedAt, attributes);
    if (!span) continue;
    if (request.firstAt !== undefined) span.addEvent(event, request.firstAt);
    if (request.outcome === 'error') span.setStatus({ code: api.SpanStatusCode.ERROR });
    span.end(request.endedAt);
  }
}
