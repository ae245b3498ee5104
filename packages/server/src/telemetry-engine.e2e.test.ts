import type { TurnMetrics } from '@patter/core';
import { ElevenLabsConvAI } from '@patter/elevenlabs';
import { OpenAIRealtime } from '@patter/openai-realtime';
import {
  beginResponse,
  configuredState,
  endResponse,
  pcmToBytes,
  sendAudioDelta,
  sendConvAIAudio,
  sineWave,
  startFakeConvAI,
  startFakeRealtime,
  type FakeConvAI,
  type FakeWebSocketServer,
  type TwilioSimulatedCall,
} from '@patter/testing';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEngineServer, type EngineServer } from './test-support/engine-server.js';
import { EventLoopProbe } from './test-support/event-loop-probe.js';
import { OtelHarness } from './test-support/otel-harness.js';
import { waitFor } from './test-support/test-server.js';

// An engine call (OpenAI Realtime fake) through the real server and the Twilio simulator, with
// the OpenTelemetry SDK registered: heard latency, engine token and cost metrics, the span tree.

const otel = new OtelHarness();
beforeAll(() => void otel.register());
afterAll(() => otel.shutdown());
let fake: FakeWebSocketServer | FakeConvAI | undefined;
let server: EngineServer | undefined;
let probe: EventLoopProbe;
beforeEach(() => {
  probe = new EventLoopProbe();
});
afterEach(async () => {
  probe.stop();
  await server?.close();
  await fake?.close();
  server = fake = undefined;
  otel.spans.reset();
});

/**
 * Every turn's heard latency against the simulator's echo of the turn's heard mark, all on this
 * process's monotonic clock (the turn's `timeline`, `performance.now()`; not the spans' times,
 * which the SDK shifts by `Date.now()` − `performance.now()` taken at 1 ms resolution when each
 * span starts, so they can be off by a ms or more from the simulator's clock). The turn starts
 * when the bridge got the caller's turn end (at or after the test sent it); heard is never
 * before the echo, and at most 5 ms after it plus however long the event loop could not run
 * around the echo (a loaded machine: the echo waits in the socket until the process runs
 * again). The turn spans carry the same latency. Returns the turn spans.
 */
function expectHeardIsEcho(spans: readonly ReadableSpan[], metrics: readonly TurnMetrics[], call: TwilioSimulatedCall, turnEndedAt: readonly number[]): ReadableSpan[] {
  const turns = spans.filter((s) => s.name === 'patter.turn').sort((a, b) => Number(a.attributes['patter.turn']) - Number(b.attributes['patter.turn']));
  expect(turns).toHaveLength(turnEndedAt.length);
  expect(metrics.map((m) => m.turn)).toEqual(turns.map((_, i) => i + 1));
  for (const [i, turn] of metrics.entries()) {
    const echoedAt = call.marks.items.find((m) => m.name === `patter-heard-engine-${i + 1}`)?.echoedAt ?? NaN;
    const start = turn.timeline?.speechEnd ?? NaN;
    const heardAt = turn.timeline?.heard ?? NaN;
    expect(start, `turn ${i + 1}`).toBeGreaterThanOrEqual(turnEndedAt[i] as number);
    expect(turn.heardMs, `turn ${i + 1}`).toBeCloseTo(heardAt - start, 2);
    expect(turns[i]?.attributes['patter.latency.heard_ms'], `turn ${i + 1}`).toBe(turn.heardMs);
    const diff = (turn.heardMs ?? NaN) - (echoedAt - start);
    expect(diff, `turn ${i + 1}`).toBeGreaterThanOrEqual(-0.01);
    expect(diff, `turn ${i + 1}`).toBeLessThanOrEqual(5 + probe.stallDuring(echoedAt, heardAt));
  }
  return turns;
}

const tone = (durationMs: number) => pcmToBytes(sineWave({ durationMs, sampleRate: 24_000, frequency: 300 }));

describe('telemetry of an engine call (Twilio, OpenAI Realtime)', () => {
  it('heard latency from speech_stopped to the echo of the mark after the reply’s first frame; engine metrics; call → turn → hang-up spans', async () => {
    fake = await startFakeRealtime();
    server = await startEngineServer({ name: 'realtime-desk', engine: new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }) });
    const call = await server.simulator.inboundCall({ from: '+14155550100' });
    server.api.addCall(call.callSid);
    const conn = await fake.nextConnection();
    await configuredState(conn);

    // Three turns: the caller stops speaking; the engine answers with 600 ms of audio in 100 ms deltas.
    const stoppedAt: number[] = [];
    const audio = tone(600);
    for (let turn = 1; turn <= 3; turn++) {
      stoppedAt.push(performance.now());
      await conn.send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: 1200 * turn, item_id: `item_user_${turn}` });
      await beginResponse(conn, `resp_${turn}`, `item_${turn}`);
      for (let i = 0; i < audio.byteLength; i += 4800) await sendAudioDelta(conn, `resp_${turn}`, `item_${turn}`, audio.subarray(i, i + 4800));
      await endResponse(conn, `resp_${turn}`);
      await waitFor(() => call.marks.items.some((m) => m.name === `patter-heard-engine-${turn}` && m.echoedAt !== undefined), 5_000);
    }

    // While the call is live, the tokens of each response.done are already counted (all of them: the hang-up reply has none).
    const liveTokens = async () =>
      (await otel.points())
        .filter((p) => p.name === 'patter.cost.engine_tokens' && p.attributes['patter.engine.provider'] === 'openai_realtime')
        .reduce((sum, p) => sum + (p.value as number), 0);
    for (let i = 0; i < 250 && (await liveTokens()) < 360; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await liveTokens()).toBe(180 + 15 + 120 + 45);
    expect((await otel.points()).find((p) => p.name === 'patter.calls.active' && p.attributes['patter.mode'] === 'engine')?.value).toBe(1);

    // The agent hangs up (end_call): a hang-up span under the call.
    await conn.send({ type: 'response.created', response: { id: 'resp_end', object: 'realtime.response', status: 'in_progress' } });
    const item = { id: 'item_end', type: 'function_call', call_id: 'call_end', name: 'end_call', arguments: '' };
    await conn.send({ type: 'response.output_item.added', response_id: 'resp_end', output_index: 0, item });
    await conn.send({ type: 'response.function_call_arguments.done', response_id: 'resp_end', item_id: item.id, call_id: item.call_id, arguments: '{"reason":"done"}' });
    await conn.send({ type: 'response.done', response: { id: 'resp_end', object: 'realtime.response', status: 'completed' } });
    await waitFor(() => server!.ends.length === 1, 5_000);
    const summary = server.ends[0]!;
    expect(summary.reason).toBe('agent_hangup');

    const points = await otel.points();
    const named = (name: string) => points.filter((p) => p.name === name);
    const labels = { 'patter.carrier': 'twilio', 'patter.direction': 'inbound', 'patter.mode': 'engine' };
    const heard = named('patter.latency.heard');
    expect(heard).toMatchObject([{ unit: 'ms', value: { count: 3 } }]);
    expect(heard[0]?.attributes).toEqual({ 'patter.carrier': 'twilio', 'patter.mode': 'engine', 'patter.engine.provider': 'openai_realtime', 'patter.interrupted': false });
    expect(named('patter.latency.total')).toMatchObject([{ value: { count: 3 } }]);

    // Heard latency = the simulator's echo of the heard mark − the engine's speech_stopped (as the
    // bridge got it: the turn span's start), every turn.
    const spans = otel.finishedSpans();
    const turn = expectHeardIsEcho(spans, server.metrics, call, stoppedAt)[0];

    // Engine tokens (text/audio, in/out) and their cost, telephony, calls ended by reason.
    const tokens = Object.fromEntries(named('patter.cost.engine_tokens').map((p) => [`${p.attributes['patter.token.modality']}:${p.attributes['patter.token.direction']}`, p.value]));
    expect(tokens).toEqual({ 'text:input': 180, 'text:output': 15, 'audio:input': 120, 'audio:output': 45 });
    expect(named('patter.cost.engine_tokens')[0]?.attributes).toMatchObject({ 'patter.engine.provider': 'openai_realtime' });
    expect(named('patter.cost.usd').map((p) => p.attributes['patter.provider.kind']).sort()).toEqual(['engine', 'telephony']);
    expect(named('patter.calls.ended')).toMatchObject([{ attributes: { ...labels, 'patter.call.end_reason': 'agent_hangup' }, value: 1 }]);
    expect(named('patter.tool_calls')).toMatchObject([{ attributes: { 'patter.tool.name': 'end_call', 'patter.tool.outcome': 'ok' }, value: 1 }]);

    const root = spans.find((s) => s.name === 'patter.call');
    expect(root?.attributes).toMatchObject({
      ...labels, 'patter.agent.name': 'realtime-desk', 'patter.engine.provider': 'openai_realtime', 'patter.engine.model': 'gpt-realtime-mini',
      'patter.call.id': call.callSid, 'patter.engine.request_id': 'sess_1', // the fake's session.updated names it
    });
    expect(turn?.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    const hangup = spans.find((s) => s.name === 'patter.hangup');
    expect(hangup?.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    expect(spans.find((s) => s.name === 'patter.tool')?.attributes).toMatchObject({ 'patter.tool.name': 'end_call' });
    expect(call.violations).toEqual([]);
  });

  it('ElevenLabs ConvAI: heard latency from the user_transcript to the echo of the mark after the reply’s first frame, every turn', async () => {
    fake = await startFakeConvAI({ format: 'ulaw_8000' });
    const convai = fake;
    server = await startEngineServer({ name: 'convai-desk', engine: new ElevenLabsConvAI({ apiKey: 'test-key', agentId: 'agent_test', baseUrl: convai.baseUrl }) });
    const call = await server.simulator.inboundCall({ from: '+14155550100' });
    await waitFor(() => convai.conversations.length === 1);
    const conversation = convai.conversations[0]!;

    // Three turns: ConvAI's final user transcript ends the caller's turn (it sends no speech end);
    // the agent answers (agent_response, then 500 ms of μ-law in 100 ms audio events).
    const transcribedAt: number[] = [];
    const reply = new Uint8Array(4000).map((_, i) => 0x10 + (i % 7));
    for (let turn = 1; turn <= 3; turn++) {
      transcribedAt.push(performance.now());
      await conversation.conn.send({ type: 'user_transcript', user_transcription_event: { user_transcript: `Question ${turn}.`, event_id: conversation.nextEventId++ } });
      const eventId = conversation.nextEventId++;
      await conversation.conn.send({ type: 'agent_response', agent_response_event: { agent_response: `Answer ${turn}.`, event_id: eventId } });
      for (let i = 0; i < reply.byteLength; i += 800) await sendConvAIAudio(conversation, reply.subarray(i, i + 800), eventId);
      await waitFor(() => call.marks.items.some((m) => m.name === `patter-heard-engine-${turn}` && m.echoedAt !== undefined), 5_000);
    }
    await waitFor(() => otel.finishedSpans().filter((s) => s.name === 'patter.turn').length === 3, 5_000);
    await call.stop();
    await waitFor(() => server!.ends.length === 1, 5_000);

    const points = await otel.points();
    const heard = points.filter((p) => p.name === 'patter.latency.heard' && p.attributes['patter.engine.provider'] === 'elevenlabs_convai');
    expect(heard).toMatchObject([{ unit: 'ms', value: { count: 3 } }]);
    expect(heard[0]?.attributes).toEqual({ 'patter.carrier': 'twilio', 'patter.mode': 'engine', 'patter.engine.provider': 'elevenlabs_convai', 'patter.interrupted': false });
    const spans = otel.finishedSpans();
    const turns = expectHeardIsEcho(spans, server.metrics, call, transcribedAt);
    const root = spans.find((s) => s.name === 'patter.call');
    expect(root?.attributes).toMatchObject({ 'patter.engine.provider': 'elevenlabs_convai', 'patter.engine.request_id': 'conv_1' });
    for (const turn of turns) expect(turn.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    expect(call.violations).toEqual([]);
  });
});
