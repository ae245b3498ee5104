import { metrics, trace } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentOptions } from '../agent/agent-options.js';
import { createConsoleLogger } from '../log/logger.js';
import { ProviderStatusError } from '../errors/provider-error.js';
import type { CallSessionEvents } from '../session/call-session.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { traceparentFor } from './call-trace-context.js';
import { observeCall } from './observe-call.js';
import { reportProvider } from './provider-signals.js';

const spans = new InMemorySpanExporter();
const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
const meterProvider = new MeterProvider({ readers: [reader] });
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
beforeAll(() => {
  metrics.setGlobalMeterProvider(meterProvider);
  trace.setGlobalTracerProvider(tracerProvider);
});
afterAll(async () => {
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
  metrics.disable();
  trace.disable();
});

async function points(name: string): Promise<{ attributes: Record<string, unknown>; value: unknown }[]> {
  exporter.reset();
  await reader.forceFlush();
  const metricsOf = exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
  return metricsOf.filter((m) => m.descriptor.name === name).flatMap((m) => (m.dataPoints as DataPoint<unknown>[]).map((p) => ({ attributes: p.attributes, value: p.value })));
}

const agent = { stt: { key: 'deepgram' }, llm: { key: 'openai', model: 'gpt-4o-mini' }, tts: { key: 'cartesia_tts' } } as unknown as AgentOptions;
const info = { callId: 'CA-unit', callRef: 'ref-1', carrier: 'twilio', direction: 'outbound' as const, parameters: {} };

describe('observeCall', () => {
  it('log lines inside a traced call carry its trace and span ids; the turn span gets barge-in and transfer', async () => {
    const events = new TypedEmitter<CallSessionEvents>();
    observeCall(events, { agent, carrier: 'twilio' });
    const lines: Record<string, unknown>[] = [];
    const logger = createConsoleLogger({ format: 'json', level: 'debug', write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
    events.emit('callStart', info);
    logger.info({ callId: 'CA-unit' }, 'call started');
    const t0 = performance.now();
    events.emit('turnStart', { turn: 1, at: t0 });
    logger.debug({ callId: 'CA-unit' }, 'inside the turn');
    const header = traceparentFor('CA-unit');
    events.emit('bargeIn', { turn: 1, heardShare: 0.4 });
    events.emit('metrics', { callId: 'CA-unit', turn: 1, interrupted: true, providers: { stt: 'deepgram' }, totalMs: 5, timeline: { sttFinal: t0, firstFrame: t0 + 5 } });
    events.emit('callAction', { action: 'transfer', startedAt: performance.now() - 3 });
    events.emit('callEnd', { callId: 'CA-unit', callRef: 'ref-1', reason: 'transfer', startedAt: Date.now(), durationMs: 1500, transcript: [], usage: {}, cost: {} });
    logger.info({ callId: 'CA-unit' }, 'after the call');

    const finished = spans.getFinishedSpans();
    const call = finished.find((s) => s.name === 'patter.call')!;
    const turn = finished.find((s) => s.name === 'patter.turn')!;
    expect(lines[0]).toMatchObject({ traceId: call.spanContext().traceId, spanId: call.spanContext().spanId });
    expect(lines[1]).toMatchObject({ traceId: turn.spanContext().traceId, spanId: turn.spanContext().spanId });
    expect(lines[2]?.traceId).toBeUndefined(); // the call is over
    expect(header).toBe(`00-${turn.spanContext().traceId}-${turn.spanContext().spanId}-01`);
    expect(turn.events.map((e) => [e.name, e.attributes])).toEqual([['patter.barge_in', { 'patter.turn': 1, 'patter.heard_share': 0.4 }]]);
    expect(finished.find((s) => s.name === 'patter.transfer')?.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
    expect(call.attributes).toMatchObject({ 'patter.direction': 'outbound', 'patter.call.end_reason': 'transfer', 'patter.llm.model': 'gpt-4o-mini' });
    expect(await points('patter.barge_ins')).toMatchObject([{ attributes: { 'patter.carrier': 'twilio', 'patter.mode': 'pipeline' }, value: 1 }]);
  });

  it('usage of a provider the agent does not name (a fallback member) is labelled by its kind', async () => {
    const events = new TypedEmitter<CallSessionEvents>();
    observeCall(events, { agent, carrier: 'twilio' });
    events.emit('callStart', { ...info, callId: 'CA-fallback' });
    events.emit('callEnd', {
      callId: 'CA-fallback', callRef: 'r', reason: 'caller_hangup', startedAt: Date.now(), durationMs: 30_000, transcript: [],
      usage: { soniox: { audioSeconds: 30 }, lmnt: { characters: 12 }, twilio: { callSeconds: 30 } }, cost: { soniox: 0.001 },
    });
    expect((await points('patter.cost.stt_seconds')).map((p) => [p.attributes, p.value])).toContainEqual([{ 'patter.stt.provider': 'soniox' }, 30]);
    expect((await points('patter.cost.tts_characters')).map((p) => [p.attributes, p.value])).toContainEqual([{ 'patter.tts.provider': 'lmnt' }, 12]);
    expect((await points('patter.cost.usd')).map((p) => p.attributes)).toContainEqual({ 'patter.stt.provider': 'soniox', 'patter.provider.kind': 'stt' });
  });

  it('engine tokens and cost are counted as each reply’s usage comes (usage events), ending at the call totals', async () => {
    const engineAgent = { engine: { key: 'fake_engine', model: 'fake-rt-1' } } as unknown as AgentOptions;
    const events = new TypedEmitter<CallSessionEvents>();
    observeCall(events, { agent: engineAgent, carrier: 'twilio' });
    events.emit('callStart', { ...info, callId: 'CA-engine-usage' });
    const tokens = async () =>
      Object.fromEntries(
        (await points('patter.cost.engine_tokens'))
          .filter((p) => p.attributes['patter.engine.provider'] === 'fake_engine')
          .map((p) => [`${String(p.attributes['patter.token.modality'])}:${String(p.attributes['patter.token.direction'])}`, p.value]),
      );
    const usd = async () => (await points('patter.cost.usd')).find((p) => p.attributes['patter.engine.provider'] === 'fake_engine')?.value;
    // The first reply's response.done.
    events.emit('usage', { usage: { fake_engine: { inputTokens: 10, outputTokens: 4, inputAudioTokens: 50, outputAudioTokens: 20 } }, cost: { fake_engine: 0.002 } });
    expect(await tokens()).toEqual({ 'text:input': 10, 'text:output': 4, 'audio:input': 50, 'audio:output': 20 });
    expect(await usd()).toBeCloseTo(0.002, 9);
    // The second reply: only what grew is added.
    events.emit('usage', { usage: { fake_engine: { inputTokens: 25, outputTokens: 9, inputAudioTokens: 90, outputAudioTokens: 45 } }, cost: { fake_engine: 0.005 } });
    expect(await tokens()).toEqual({ 'text:input': 25, 'text:output': 9, 'audio:input': 90, 'audio:output': 45 });
    events.emit('callEnd', {
      callId: 'CA-engine-usage', callRef: 'r', reason: 'caller_hangup', startedAt: Date.now(), durationMs: 20_000, transcript: [],
      usage: { fake_engine: { inputTokens: 25, outputTokens: 9, inputAudioTokens: 90, outputAudioTokens: 45, callSeconds: 20 }, twilio: { callSeconds: 20 } },
      cost: { fake_engine: 0.006, twilio: 0.0028 },
    });
    // The totals are the call's, each counted once; the model is on every point.
    expect(await tokens()).toEqual({ 'text:input': 25, 'text:output': 9, 'audio:input': 90, 'audio:output': 45 });
    expect(await usd()).toBeCloseTo(0.006, 9);
    const labelled = (await points('patter.cost.engine_tokens')).filter((p) => p.attributes['patter.engine.provider'] === 'fake_engine');
    for (const point of labelled) expect(point.attributes['patter.engine.model']).toBe('fake-rt-1');
  });

  it('counts provider errors, retries and reconnects by provider and error kind', async () => {
    observeCall(new TypedEmitter<CallSessionEvents>(), { agent, carrier: 'twilio' }); // subscribes the runtime
    const error = new ProviderStatusError('deepgram', 503, 'busy');
    reportProvider('retry', error);
    reportProvider('retry', error);
    reportProvider('reconnect', error);
    reportProvider('error', new Error('x'), 'openai');
    expect((await points('patter.provider.retries')).map((p) => [p.attributes, p.value])).toEqual([
      [{ 'patter.provider': 'deepgram', 'patter.error.kind': 'provider_status_error' }, 2],
    ]);
    expect((await points('patter.provider.reconnects')).map((p) => p.value)).toEqual([1]);
    expect((await points('patter.provider.errors')).map((p) => p.attributes)).toEqual([{ 'patter.provider': 'openai', 'patter.error.kind': 'error' }]);
  });
});
