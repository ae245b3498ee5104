import type { Attributes, Context, Span } from '@opentelemetry/api';
import type { AgentOptions } from '../agent/agent-options.js';
import type { CallInfo } from '../carrier/call-transport.js';
import type { CallSessionEvents, TurnMetrics } from '../session/call-session.js';
import { callLabels, type CallLabels } from './call-labels.js';
import { setCallSpan } from './call-trace-context.js';
import { telemetryRuntime, type TelemetryRuntime } from './telemetry-runtime.js';
import { providerAttributes, traceTurnStages } from './trace-turn-stages.js';
import { UsageRecorder } from './usage-recorder.js';

/** What the observer subscribes to: a call session's typed events. */
export interface ObservableSession {
  on<K extends keyof CallSessionEvents>(event: K, listener: (payload: CallSessionEvents[K]) => void): () => void;
}

export interface ObserveCallOptions {
  readonly agent: AgentOptions;
  /** The carrier key (`twilio`, `telnyx`, `devphone` …). */
  readonly carrier: string;
  readonly textMode?: boolean;
}

/** Turn metric attributes: the turn's, and with the model of the stage's provider. */
interface TurnAttributeSet {
  readonly turn: Attributes;
  readonly stt: Attributes;
  readonly llm: Attributes;
  readonly tts: Attributes;
}

/**
 * OpenTelemetry for one call, as an observer of its session's events: the metrics of
 * `METRIC_DEFINITIONS` and a span tree (call → turn → STT / LLM / TTS, tools, transfer,
 * hang-up; barge-in as a span event). Does nothing without `@opentelemetry/api`; with the API
 * and no SDK, the meters and tracer are the API's no-ops. Never touches the audio path.
 */
export function observeCall(session: ObservableSession, options: ObserveCallOptions): void {
  const runtime = telemetryRuntime();
  if (!runtime) return;
  const labels = callLabels(options.agent, options.carrier, options.textMode ?? false);
  new CallObserver(runtime, labels, options.agent).attach(session);
}

class CallObserver {
  private callSpan: Span | undefined;
  private callContext: Context | undefined;
  private turnSpan: Span | undefined;
  private turn = -1;
  private callId = '';
  private callAttributes: Attributes = {};
  /** Turn metric attributes by interrupted flag, for the providers object they were built from. */
  private turnAttributes: { providers: unknown; byInterrupted: [TurnAttributeSet, TurnAttributeSet] } | undefined;
  /** The STT's last request id (`vendorRequest`), for its spans. */
  private sttRequestId: string | undefined;
  private readonly usage: UsageRecorder;

  constructor(
    private readonly runtime: TelemetryRuntime,
    private readonly labels: CallLabels,
    private readonly agent: AgentOptions,
  ) {
    this.usage = new UsageRecorder(runtime.instruments, labels);
  }

  attach(session: ObservableSession): void {
    const offs = [
      session.on('callStart', (info) => this.onStart(info)),
      session.on('turnStart', ({ turn, at }) => this.openTurn(turn, at)),
      session.on('metrics', (metrics) => this.onMetrics(metrics)),
      session.on('toolCall', (call) => this.onToolCall(call)),
      session.on('bargeIn', (event) => this.onBargeIn(event)),
      session.on('callAction', (event) => this.onCallAction(event)),
      session.on('usage', ({ usage, cost }) => this.usage.record(usage, cost)),
      session.on('vendorRequest', ({ kind, requestId }) => {
        if (kind === 'stt') this.sttRequestId = requestId;
        this.callSpan?.setAttribute(`patter.${kind}.request_id`, requestId);
      }),
      session.on('callEnd', (summary) => {
        for (const off of offs) off();
        this.onEnd(summary);
      }),
    ];
  }

  private onStart(info: CallInfo): void {
    const { api, instruments, tracer } = this.runtime;
    this.callId = info.callId;
    this.callAttributes = { 'patter.carrier': this.labels.carrier, 'patter.direction': info.direction, 'patter.mode': this.labels.mode };
    instruments.callsActive.add(1, this.callAttributes);
    instruments.callsStarted.add(1, this.callAttributes);
    const span = tracer.startSpan('patter.call', {
      kind: api.SpanKind.SERVER,
      attributes: {
        ...this.callAttributes,
        ...this.labels.providers,
        'patter.call.id': info.callId,
        'patter.call.ref': info.callRef,
        ...(info.streamId === undefined ? {} : { 'patter.stream.id': info.streamId }),
        ...(this.agent.name === undefined ? {} : { 'patter.agent.name': this.agent.name }),
      },
    });
    this.callSpan = span;
    this.callContext = api.trace.setSpan(api.context.active(), span);
    if (api.trace.isSpanContextValid(span.spanContext())) setCallSpan(info.callId, span);
  }

  private openTurn(turn: number, at: number): Span | undefined {
    if (!this.callContext) return undefined;
    if (this.turnSpan && this.turn === turn) return this.turnSpan;
    this.closeTurn();
    this.turn = turn;
    this.turnSpan = this.runtime.tracer.startSpan('patter.turn', { startTime: at, attributes: { 'patter.turn': turn } }, this.callContext);
    if (this.runtime.api.trace.isSpanContextValid(this.turnSpan.spanContext())) setCallSpan(this.callId, this.turnSpan);
    return this.turnSpan;
  }

  private closeTurn(): void {
    this.turnSpan?.end();
    this.turnSpan = undefined;
    if (this.callSpan && this.runtime.api.trace.isSpanContextValid(this.callSpan.spanContext())) setCallSpan(this.callId, this.callSpan);
  }

  private onMetrics(metrics: TurnMetrics): void {
    const { instruments } = this.runtime;
    const set = this.turnLabels(metrics);
    const attributes = set.turn;
    const framework = Object.values(metrics.frameworkMs ?? {}).reduce((sum, ms) => sum + ms, 0);
    const record = (histogram: { record(value: number, attributes?: Attributes): void }, value: number | undefined, labels = attributes): void => {
      if (value !== undefined && Number.isFinite(value)) histogram.record(value, labels);
    };
    record(instruments.sttLatency, metrics.sttMs, set.stt);
    record(instruments.llmFirstTokenLatency, metrics.llmFirstTokenMs, set.llm);
    record(instruments.ttsFirstByteLatency, metrics.ttsFirstByteMs, set.tts);
    if (metrics.frameworkMs && Object.keys(metrics.frameworkMs).length > 0) record(instruments.frameworkLatency, framework);
    record(instruments.totalLatency, metrics.totalMs);
    record(instruments.heardLatency, metrics.heardMs);
    this.traceTurn(metrics);
  }

  /** The turn's span (opened at `turnStart`, or now from the timeline) with a child per stage. */
  private traceTurn(metrics: TurnMetrics): void {
    const timeline = metrics.timeline ?? {};
    const start = timeline.speechEnd ?? timeline.sttFinal ?? timeline.firstFrame ?? performance.now();
    const span = this.turn === metrics.turn && this.turnSpan ? this.turnSpan : this.openTurn(metrics.turn, start);
    if (!span) return;
    traceTurnStages(this.runtime, this.labels, span, metrics, this.sttRequestId);
    const ms: Record<string, number | undefined> = {
      'patter.latency.stt_ms': metrics.sttMs,
      'patter.latency.llm_first_token_ms': metrics.llmFirstTokenMs,
      'patter.latency.tts_first_byte_ms': metrics.ttsFirstByteMs,
      'patter.latency.total_ms': metrics.totalMs,
      'patter.latency.heard_ms': metrics.heardMs,
    };
    for (const [key, value] of Object.entries(ms)) if (value !== undefined) span.setAttribute(key, value);
    span.setAttribute('patter.interrupted', metrics.interrupted);
    this.closeTurn();
  }

  /**
   * The documented turn attributes (carrier, mode, interrupted, providers; a stage's latency adds
   * its provider's model), built once per call.
   */
  private turnLabels(metrics: TurnMetrics): TurnAttributeSet {
    if (this.turnAttributes?.providers !== metrics.providers) {
      const base = { 'patter.carrier': this.labels.carrier, 'patter.mode': this.labels.mode, ...this.providerLabels(metrics) };
      const model = (kind: string): Attributes => {
        const key = metrics.providers[kind] ?? (this.labels.providers[`patter.${kind}.provider`] as string | undefined);
        const attributes = providerAttributes(this.labels, kind, key);
        const value = attributes[`patter.${kind}.model`];
        return value === undefined ? {} : { [`patter.${kind}.model`]: value };
      };
      const variant = (interrupted: boolean): TurnAttributeSet => {
        const turn = { ...base, 'patter.interrupted': interrupted };
        return { turn, stt: { ...turn, ...model('stt') }, llm: { ...turn, ...model('llm') }, tts: { ...turn, ...model('tts') } };
      };
      this.turnAttributes = { providers: metrics.providers, byInterrupted: [variant(false), variant(true)] };
    }
    return this.turnAttributes.byInterrupted[metrics.interrupted ? 1 : 0];
  }

  private providerLabels(metrics: TurnMetrics): Attributes {
    const out: Attributes = {};
    for (const [kind, key] of Object.entries(metrics.providers)) out[`patter.${kind}.provider`] = key;
    return Object.keys(out).length > 0 ? out : this.labels.providers;
  }

  private onToolCall(call: CallSessionEvents['toolCall']): void {
    const outcome = call.error === undefined ? 'ok' : 'error';
    this.runtime.instruments.toolCalls.add(1, { 'patter.tool.name': call.name, 'patter.tool.outcome': outcome });
    const parent = this.currentContext();
    if (!parent) return;
    const end = performance.now();
    const span = this.runtime.tracer.startSpan(
      'patter.tool',
      { startTime: end - (call.durationMs ?? 0), attributes: { 'patter.tool.name': call.name, 'patter.tool.outcome': outcome } },
      parent,
    );
    if (call.error !== undefined) span.setStatus({ code: this.runtime.api.SpanStatusCode.ERROR });
    span.end(end);
  }

  private onBargeIn(event: CallSessionEvents['bargeIn']): void {
    this.runtime.instruments.bargeIns.add(1, { 'patter.carrier': this.labels.carrier, 'patter.mode': this.labels.mode });
    (this.turnSpan ?? this.callSpan)?.addEvent('patter.barge_in', { 'patter.turn': event.turn, 'patter.heard_share': event.heardShare });
  }

  private onCallAction(event: CallSessionEvents['callAction']): void {
    if (!this.callContext) return;
    const span = this.runtime.tracer.startSpan(`patter.${event.action}`, { startTime: event.startedAt }, this.callContext);
    if (event.error !== undefined) span.setStatus({ code: this.runtime.api.SpanStatusCode.ERROR });
    span.end();
  }

  private onEnd(summary: CallSessionEvents['callEnd']): void {
    const { instruments, api } = this.runtime;
    this.closeTurn();
    if (this.callSpan) {
      const ended = { ...this.callAttributes, 'patter.call.end_reason': summary.reason };
      instruments.callsActive.add(-1, this.callAttributes);
      instruments.callsEnded.add(1, ended);
      instruments.callDuration.record(summary.durationMs / 1000, ended);
      this.callSpan.setAttributes({ 'patter.call.end_reason': summary.reason, 'patter.call.duration_ms': summary.durationMs });
      const cost = Object.values(summary.cost).reduce((sum, usd) => sum + usd, 0);
      this.callSpan.setAttribute('patter.cost.usd', Math.round(cost * 1e6) / 1e6);
      if (summary.reason === 'error') this.callSpan.setStatus({ code: api.SpanStatusCode.ERROR });
      this.callSpan.end();
    }
    this.usage.record(summary.usage, summary.cost);
    setCallSpan(this.callId, undefined);
  }

  private currentContext(): Context | undefined {
    const span = this.turnSpan ?? this.callSpan;
    return span ? this.runtime.api.trace.setSpan(this.runtime.api.context.active(), span) : undefined;
  }
}
