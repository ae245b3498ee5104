import { OpenAIRealtime } from '@patter/openai-realtime';
import {
  beginResponse,
  configuredState,
  endResponse,
  pcmToBytes,
  sendAudioDelta,
  sineWave,
  startFakeRealtime,
  type FakeWebSocketServer,
} from '@patter/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEngineServer, type EngineServer } from './test-support/engine-server.js';
import { OtelHarness } from './test-support/otel-harness.js';
import { waitFor } from './test-support/test-server.js';

// An engine call (OpenAI Realtime fake) through the real server and the Twilio simulator, with
// the OpenTelemetry SDK registered: heard latency, engine token and cost metrics, the span tree.

const otel = new OtelHarness();
beforeAll(() => void otel.register());
afterAll(() => otel.shutdown());
let fake: FakeWebSocketServer | undefined;
let server: EngineServer | undefined;
afterEach(async () => {
  await server?.close();
  await fake?.close();
  server = fake = undefined;
});

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
    // bridge got it: the turn span's start). Median over the turns: on a loaded machine one echo
    // can wait behind other work before the server reads it.
    const spans = otel.finishedSpans();
    const turns = spans.filter((s) => s.name === 'patter.turn').sort((a, b) => Number(a.attributes['patter.turn']) - Number(b.attributes['patter.turn']));
    expect(turns).toHaveLength(3);
    const diffs = turns.map((turn, i) => {
      const mark = call.marks.items.find((m) => m.name === `patter-heard-engine-${i + 1}`);
      const turnStartMs = turn.startTime[0] * 1000 + turn.startTime[1] / 1e6 - performance.timeOrigin;
      expect(turnStartMs).toBeGreaterThanOrEqual(stoppedAt[i]! - 1);
      return (turn.attributes['patter.latency.heard_ms'] as number) - (mark!.echoedAt! - turnStartMs);
    });
    for (const diff of diffs) expect(diff).toBeGreaterThanOrEqual(-1); // never before the echo (µs rounding of span times)
    expect(diffs.sort((a, b) => a - b)[1]).toBeLessThanOrEqual(5);
    const turn = turns[0];

    // Engine tokens (text/audio, in/out) and their cost, telephony, calls ended by reason.
    const tokens = Object.fromEntries(named('patter.cost.engine_tokens').map((p) => [`${p.attributes['patter.token.modality']}:${p.attributes['patter.token.direction']}`, p.value]));
    expect(tokens).toEqual({ 'text:input': 180, 'text:output': 15, 'audio:input': 120, 'audio:output': 45 });
    expect(named('patter.cost.engine_tokens')[0]?.attributes).toMatchObject({ 'patter.engine.provider': 'openai_realtime' });
    expect(named('patter.cost.usd').map((p) => p.attributes['patter.provider.kind']).sort()).toEqual(['engine', 'telephony']);
    expect(named('patter.calls.ended')).toMatchObject([{ attributes: { ...labels, 'patter.call.end_reason': 'agent_hangup' }, value: 1 }]);
    expect(named('patter.tool_calls')).toMatchObject([{ attributes: { 'patter.tool.name': 'end_call', 'patter.tool.outcome': 'ok' }, value: 1 }]);

    const root = spans.find((s) => s.name === 'patter.call');
    expect(root?.attributes).toMatchObject({ ...labels, 'patter.agent.name': 'realtime-desk', 'patter.engine.provider': 'openai_realtime', 'patter.call.id': call.callSid });
    expect(turn?.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    const hangup = spans.find((s) => s.name === 'patter.hangup');
    expect(hangup?.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    expect(spans.find((s) => s.name === 'patter.tool')?.attributes).toMatchObject({ 'patter.tool.name': 'end_call' });
    expect(call.violations).toEqual([]);
  });
});
