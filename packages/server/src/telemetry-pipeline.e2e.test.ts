import type { TurnMetrics } from '@patter/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventLoopProbe } from './test-support/event-loop-probe.js';
import { OtelHarness, type RecordedPoint } from './test-support/otel-harness.js';
import { pipelineCall as runPipelineCall, REPLY } from './test-support/telemetry-pipeline-call.js';
import { STREAM_TAIL_MS } from './test-support/telemetry-vendor-fakes.js';

// A Twilio pipeline call through the real server, session and plugins (vendor fakes on
// loopback) with the OpenTelemetry SDK registered: what Patter records, read back from the
// SDK's in-memory exporters.

const otel = new OtelHarness();
beforeAll(() => void otel.register());
afterAll(() => otel.shutdown());
const closers: (() => Promise<void>)[] = [];
let probe: EventLoopProbe;
beforeEach(() => {
  probe = new EventLoopProbe();
});
afterEach(async () => {
  probe.stop();
  for (const close of closers.splice(0).reverse()) await close();
  otel.spans.reset();
});
const pipelineCall = (stt: 'deepgram' | 'soniox') => runPipelineCall({ stt, closers });

const named = (points: RecordedPoint[], name: string) => points.filter((p) => p.name === name);

/**
 * Every turn: heardMs − (the simulator's echo of the turn's heard mark − the turn's speech end),
 * all on this process's clock. Never negative beyond a rounding (the session cannot hear an
 * echo before it was sent) and at most 5 ms — plus however long the event loop could not run
 * around that echo (`probe`): on a loaded machine the echo waits in the socket until the
 * process runs again, and that wait is the carrier's network, not a measuring error.
 */
function expectHeardIsEcho(marks: readonly { name: string; echoedAt: number | undefined }[], metrics: readonly TurnMetrics[], probe: EventLoopProbe): void {
  expect(metrics.length).toBeGreaterThan(0);
  for (const turn of metrics) {
    const echoedAt = marks.find((m) => m.name === `patter-heard-${turn.turn}`)?.echoedAt ?? NaN;
    const start = turn.timeline?.speechEnd ?? turn.timeline?.sttFinal ?? NaN;
    const heardAt = turn.timeline?.heard ?? NaN;
    expect(turn.heardMs, `turn ${turn.turn}`).toBeCloseTo(heardAt - start, 2);
    const diff = (turn.heardMs ?? NaN) - (echoedAt - start);
    expect(diff, `turn ${turn.turn}`).toBeGreaterThanOrEqual(-0.01);
    expect(diff, `turn ${turn.turn}`).toBeLessThanOrEqual(5 + probe.stallDuring(echoedAt, heardAt));
  }
}

const ms = (time: readonly [number, number]): number => time[0] * 1000 + time[1] / 1e6;

/**
 * STT final, LLM and TTS request spans: provider key and model; the vendor's request id; an
 * LLM or TTS span runs to the end of its stream (the fakes send its last part
 * `STREAM_TAIL_MS` after the rest), its first token or byte an event and attribute.
 */
function expectStageSpans(byName: (name: string) => ReturnType<OtelHarness['finishedSpans']>): void {
  const stt = byName('patter.stt');
  expect(stt).toHaveLength(3);
  for (const span of stt) {
    expect(span.attributes).toEqual({ 'patter.stt.provider': 'deepgram', 'patter.stt.model': 'nova-3', 'patter.stt.request_id': 'dg-req-0001' });
  }
  // Turn 1: the tool round and the answer; turns 2 and 3: the answer.
  const llm = byName('patter.llm').sort((a, b) => ms(a.startTime) - ms(b.startTime));
  expect(llm.map((s) => s.attributes['patter.llm.request_id'])).toEqual(['req_oa_1', 'req_oa_2', 'req_oa_3', 'req_oa_4']);
  for (const [i, span] of llm.entries()) {
    const usage = i === 0 ? { input: 40, output: 10, cached: 0 } : { input: 60, output: 8, cached: 20 };
    expect(span.attributes).toMatchObject({
      'patter.llm.provider': 'openai', 'patter.llm.model': 'gpt-4o-mini', 'patter.request.outcome': 'ok',
      'patter.llm.usage.input_tokens': usage.input, 'patter.llm.usage.output_tokens': usage.output, 'patter.llm.usage.cached_input_tokens': usage.cached,
    });
    const first = span.events.find((e) => e.name === 'patter.llm.first_token');
    expect(first).toBeDefined();
    expect(ms(first!.time) - ms(span.startTime)).toBeCloseTo(span.attributes['patter.llm.ttft_ms'] as number, 2);
    expect(ms(span.endTime) - ms(first!.time)).toBeGreaterThanOrEqual(STREAM_TAIL_MS - 5); // ends with the stream, not at the first token
  }
  const tts = byName('patter.tts');
  expect(tts).toHaveLength(3);
  for (const span of tts) {
    expect(span.attributes).toMatchObject({ 'patter.tts.provider': 'cartesia_tts', 'patter.tts.model': 'sonic-3', 'patter.tts.usage.characters': REPLY.length, 'patter.request.outcome': 'ok' });
    const first = span.events.find((e) => e.name === 'patter.tts.first_byte');
    expect(first).toBeDefined();
    expect(ms(first!.time) - ms(span.startTime)).toBeCloseTo(span.attributes['patter.tts.ttfb_ms'] as number, 2);
    expect(ms(span.endTime) - ms(first!.time)).toBeGreaterThanOrEqual(STREAM_TAIL_MS - 5);
  }
}

describe('telemetry of a pipeline call (Twilio, Deepgram → OpenAI → Cartesia)', () => {
  it('records every metric of the table with its documented attributes, and the span tree', async () => {
    let afterTurn1: RecordedPoint[] = [];
    const { call, metrics, summary, webhook } = await runPipelineCall({
      stt: 'deepgram', closers, turns: 3,
      afterTurn: async (turn) => {
        if (turn === 1) afterTurn1 = await otel.points();
      },
    });
    const points = await otel.points();
    const stt = { 'patter.stt.provider': 'deepgram', 'patter.llm.provider': 'openai', 'patter.tts.provider': 'cartesia_tts' };
    const call_ = { 'patter.carrier': 'twilio', 'patter.direction': 'inbound', 'patter.mode': 'pipeline' };

    // Calls.
    expect(named(points, 'patter.calls.started')).toEqual([{ name: 'patter.calls.started', unit: '{call}', attributes: call_, value: 1 }]);
    expect(named(points, 'patter.calls.active').map((p) => p.value)).toEqual([0]);
    expect(named(points, 'patter.calls.ended')).toMatchObject([{ attributes: { ...call_, 'patter.call.end_reason': 'caller_hangup' }, value: 1 }]);
    expect(named(points, 'patter.call.duration')).toMatchObject([{ unit: 's', attributes: { 'patter.call.end_reason': 'caller_hangup' }, value: { count: 1 } }]);

    // Latency per stage, ms, labelled with the turn's providers (and the model of the stage's provider).
    const stageModel: Record<string, Record<string, string>> = {
      'patter.latency.stt': { 'patter.stt.model': 'nova-3' },
      'patter.latency.llm_first_token': { 'patter.llm.model': 'gpt-4o-mini' },
      'patter.latency.tts_first_byte': { 'patter.tts.model': 'sonic-3' },
    };
    for (const name of ['patter.latency.stt', 'patter.latency.llm_first_token', 'patter.latency.tts_first_byte', 'patter.latency.framework', 'patter.latency.total', 'patter.latency.heard']) {
      expect(named(points, name), name).toMatchObject([{ unit: 'ms', value: { count: 3 } }]);
      expect(named(points, name)[0]?.attributes, name).toEqual({ 'patter.carrier': 'twilio', 'patter.mode': 'pipeline', ...stt, 'patter.interrupted': false, ...stageModel[name] });
    }
    const turn = metrics[0] as TurnMetrics;
    const heardSum = metrics.reduce((sum, m) => sum + (m.heardMs ?? NaN), 0);
    expect((named(points, 'patter.latency.heard')[0]?.value as { sum: number }).sum).toBeCloseTo(heardSum, 6);

    // Cost counters, with the provider key and (where the provider has one) the model.
    expect(named(points, 'patter.cost.stt_seconds')).toMatchObject([{ unit: 's', attributes: { 'patter.stt.provider': 'deepgram', 'patter.stt.model': 'nova-3' } }]);
    expect(named(points, 'patter.cost.stt_seconds')[0]?.value).toBeCloseTo(summary.usage.deepgram?.audioSeconds ?? -1, 6);
    expect(named(points, 'patter.cost.tts_characters')).toEqual([
      { name: 'patter.cost.tts_characters', unit: '{character}', attributes: { 'patter.tts.provider': 'cartesia_tts', 'patter.tts.model': 'sonic-3' }, value: 'Welcome.'.length + 3 * REPLY.length },
    ]);
    const tokens = Object.fromEntries(named(points, 'patter.cost.llm_tokens').map((p) => [p.attributes['patter.token.type'], p]));
    expect(tokens.input).toMatchObject({ attributes: { 'patter.llm.provider': 'openai', 'patter.llm.model': 'gpt-4o-mini' }, value: 40 + 3 * (60 - 20) });
    expect(tokens.cached?.value).toBe(3 * 20);
    expect(tokens.output?.value).toBe(10 + 3 * 8);
    expect(named(points, 'patter.cost.telephony_seconds')).toMatchObject([{ unit: 's', attributes: { 'patter.carrier': 'twilio' } }]);
    const usd = named(points, 'patter.cost.usd');
    expect(usd.map((p) => p.attributes['patter.provider.kind']).sort()).toEqual(['llm', 'stt', 'telephony', 'tts']);
    const total = usd.reduce((sum, p) => sum + (p.value as number), 0);
    expect(total).toBeCloseTo(Object.values(summary.cost).reduce((a, b) => a + b, 0), 9);

    // The cost counters follow the live call: after turn 1 (of 3) each already holds that turn's usage.
    const live = (name: string, type?: string) =>
      named(afterTurn1, name).filter((p) => type === undefined || p.attributes['patter.token.type'] === type).reduce((sum, p) => sum + (p.value as number), 0);
    expect(named(afterTurn1, 'patter.calls.active').map((p) => p.value)).toEqual([1]);
    expect(live('patter.cost.stt_seconds')).toBeGreaterThan(0);
    expect(live('patter.cost.stt_seconds')).toBeLessThan(summary.usage.deepgram?.audioSeconds ?? 0);
    expect(live('patter.cost.tts_characters')).toBe('Welcome.'.length + REPLY.length);
    expect(live('patter.cost.llm_tokens', 'input')).toBe(40 + 60 - 20);
    expect(live('patter.cost.llm_tokens', 'output')).toBe(10 + 8);
    expect(live('patter.cost.usd')).toBeGreaterThan(0);
    expect(live('patter.cost.usd')).toBeLessThan(total);

    // Tools; no call id or phone number on any metric.
    expect(named(points, 'patter.tool_calls')).toMatchObject([{ attributes: { 'patter.tool.name': 'opening_hours', 'patter.tool.outcome': 'ok' }, value: 1 }]);
    const everyValue = points.flatMap((p) => Object.values(p.attributes).map(String));
    expect(everyValue.filter((v) => v === summary.callId || v.includes('4155550100') || v === summary.callRef)).toEqual([]);

    // The span tree: call → turn → stt, llm, tts, tool.
    const spans = otel.finishedSpans();
    const byName = (name: string) => spans.filter((s) => s.name === name);
    const root = byName('patter.call')[0];
    expect(root?.attributes).toMatchObject({
      ...call_, 'patter.call.id': summary.callId, 'patter.agent.name': 'front-desk', 'patter.call.end_reason': 'caller_hangup', 'patter.stt.request_id': 'dg-req-0001',
    });
    expect(root?.parentSpanContext).toBeUndefined();
    const turns = byName('patter.turn');
    expect(turns).toHaveLength(3);
    const turnSpan = turns.find((s) => s.attributes['patter.turn'] === 1)!;
    expect(turnSpan.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    expect(turnSpan.attributes['patter.latency.heard_ms']).toBe(turn.heardMs);
    for (const t of turns) expect(t.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    for (const child of ['patter.stt', 'patter.llm', 'patter.tts', 'patter.tool']) {
      expect(byName(child).map((s) => s.parentSpanContext?.spanId), child).toContain(turnSpan.spanContext().spanId);
    }
    expectStageSpans(byName);
    expect(byName('patter.tool')[0]?.attributes).toMatchObject({ 'patter.tool.name': 'opening_hours', 'patter.tool.outcome': 'ok' });

    // The webhook tool got the turn's trace context.
    expect(webhook.requests[0]?.header('traceparent')).toBe(`00-${turnSpan.spanContext().traceId}-${turnSpan.spanContext().spanId}-01`);

    // Heard latency: caller speech end → the simulator's echo of the mark after the reply's first frame.
    expectHeardIsEcho(call.marks.items, metrics, probe);
    expect(turn.heardMs).toBeGreaterThanOrEqual(turn.totalMs ?? Infinity);
    expect(call.violations).toEqual([]);
  });

  it('on Telnyx too, heard latency is the simulator’s echo of the mark after the reply’s first frame', async () => {
    const { call, metrics } = await runPipelineCall({ stt: 'deepgram', carrier: 'telnyx', closers, turns: 3 });
    expectHeardIsEcho(call.marks.items, metrics, probe);
    const spans = otel.finishedSpans();
    expect(spans.find((s) => s.name === 'patter.call')?.attributes['patter.carrier']).toBe('telnyx');
    expect(call.violations).toEqual([]);
  });

  it('switching deepgram.STT() for soniox.STT() changes only the STT provider key and model attributes', async () => {
    const before = await otel.points();
    await pipelineCall('soniox');
    const after = await otel.points();
    const fresh = after.filter((p) => Object.values(p.attributes).includes('soniox'));
    expect(fresh.map((p) => p.name).sort()).toEqual([
      'patter.cost.stt_seconds', 'patter.cost.usd',
      'patter.latency.framework', 'patter.latency.heard', 'patter.latency.llm_first_token', 'patter.latency.stt', 'patter.latency.total', 'patter.latency.tts_first_byte',
    ]);
    for (const point of fresh) {
      const twin = before.find((p) => p.name === point.name && Object.values(p.attributes).includes('deepgram'));
      const sttSwap: Record<string, Record<string, string>> = {
        'patter.stt.provider': { soniox: 'deepgram' },
        'patter.stt.model': { 'stt-rt-v4': 'nova-3' },
      };
      const swap = (attrs: Readonly<Record<string, unknown>>) =>
        Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, sttSwap[k]?.[String(v)] ?? v]));
      expect(twin?.attributes, point.name).toEqual(swap(point.attributes));
    }
  });
});
