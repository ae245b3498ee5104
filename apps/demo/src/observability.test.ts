import type { CallSessionEvents } from '@patter/core';
import { observeCall, TypedEmitter } from '@patter/core/plugin';
import { afterAll, describe, expect, it } from 'vitest';
import { startObservability, type Observability } from './observability.js';

let telemetry: Observability | undefined;
afterAll(() => telemetry?.shutdown());

describe('demo observability', () => {
  it('serves Patter’s metrics to Prometheus at /metrics once an SDK is registered', async () => {
    const port = 19_000 + Math.floor(Math.random() * 1000);
    telemetry = await startObservability({ PATTER_METRICS_PORT: String(port) });
    const events = new TypedEmitter<CallSessionEvents>();
    observeCall(events, { agent: { stt: { key: 'deepgram' }, tts: { key: 'cartesia_tts' }, llm: { key: 'openai', model: 'gpt-4o-mini' } } as never, carrier: 'twilio' });
    events.emit('callStart', { callId: 'CA1', callRef: 'r1', carrier: 'twilio', direction: 'inbound', parameters: {} });
    events.emit('metrics', { callId: 'CA1', turn: 1, interrupted: false, providers: { stt: 'deepgram', llm: 'openai', tts: 'cartesia_tts' }, totalMs: 620, heardMs: 700 });
    events.emit('callEnd', { callId: 'CA1', callRef: 'r1', reason: 'caller_hangup', startedAt: Date.now(), durationMs: 60_000, transcript: [], usage: { deepgram: { audioSeconds: 60 }, twilio: { callSeconds: 60 } }, cost: { deepgram: 0.0077, twilio: 0.014 } });
    const text = await (await fetch(telemetry.metricsUrl!)).text();
    expect(text).toMatch(/patter_calls_started_total\{[^}]*patter_carrier="twilio"[^}]*\} 1/);
    expect(text).toMatch(/patter_latency_heard[a-z_]*_count\{[^}]*patter_stt_provider="deepgram"[^}]*\} 1/);
    expect(text).toMatch(/patter_cost_usd[a-z_]*_total\{[^}]*patter_stt_provider="deepgram"[^}]*\} 0\.0077/);
    expect(text).not.toContain('CA1');
  });
});
