import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentOptions, MessageContext } from '../agent/agent-options.js';
import type { CallControl } from '../call/call-control.js';
import { silentLogger } from '../log/logger.js';
import type { CallSessionEvents } from '../session/call-session.js';
import { createHttpMessageHandler } from '../session/reply/http-message-handler.js';
import { callWebhookTool } from '../tools/webhook-tool.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { observeCall } from './observe-call.js';

const spans = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const received: IncomingHttpHeaders[] = [];
const server = createServer((req, res) => {
  received.push(req.headers);
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"ok"}'));
});
let url = '';
beforeAll(async () => {
  trace.setGlobalTracerProvider(provider);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  await new Promise((resolve) => server.close(resolve));
});

const control = { callId: 'CA-prop', callRef: 'ref', carrier: 'twilio', ended: false } as unknown as CallControl;

describe('trace context into HTTP calls made for a call', () => {
  it('onMessage over HTTP and webhook tools send the current turn as traceparent; untraced calls send none', async () => {
    const events = new TypedEmitter<CallSessionEvents>();
    observeCall(events, { agent: { onMessage: url } as AgentOptions, carrier: 'twilio' });
    events.emit('callStart', { callId: 'CA-prop', callRef: 'ref', carrier: 'twilio', direction: 'inbound', parameters: {} });
    events.emit('turnStart', { turn: 1, at: performance.now() });
    const signal = new AbortController().signal;
    const message: MessageContext = { text: 'hi', source: 'speech', history: [], call: control, variables: {}, signal, runTool: async () => undefined };
    await createHttpMessageHandler(url)(message);
    await callWebhookTool({ name: 'lookup', description: 'd', parameters: { type: 'object' }, webhook: { url } }, {}, { call: control, callId: 'CA-prop', variables: {}, signal, logger: silentLogger });
    events.emit('metrics', { callId: 'CA-prop', turn: 1, interrupted: false, providers: {} });
    events.emit('callEnd', { callId: 'CA-prop', callRef: 'ref', reason: 'caller_hangup', startedAt: Date.now(), durationMs: 10, transcript: [], usage: {}, cost: {} });
    await callWebhookTool({ name: 'lookup', description: 'd', parameters: { type: 'object' }, webhook: { url } }, {}, { call: control, callId: 'CA-prop', variables: {}, signal, logger: silentLogger });

    const turn = spans.getFinishedSpans().find((s) => s.name === 'patter.turn')!;
    const expected = `00-${turn.spanContext().traceId}-${turn.spanContext().spanId}-01`;
    expect(received.map((h) => h.traceparent)).toEqual([expected, expected, undefined]);
  });
});
