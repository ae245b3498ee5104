import { defineTool, type WebhookTool, WEBHOOK_SIGNATURE_HEADER } from '@patter/core';
import { OpenAIRealtime } from '@patter/openai-realtime';
import {
  appendedAudio,
  beginResponse,
  configuredState,
  endResponse,
  sendAudioDelta,
  sessionUpdate,
  type FakeWebSocketConnection,
} from '@patter/testing';
import { describe, expect, it } from 'vitest';
import { playoutEnd, toolTimedOut } from './test-support/engine-server.js';
import { CALLER, frames, openAIRealtimeHarness, speak, tone } from './test-support/openai-realtime-harness.js';
import { waitFor } from './test-support/test-server.js';

// A Twilio call through the real server and the real OpenAI Realtime engines, against the
// strict loopback fake of OpenAI's GA Realtime endpoint: function calls
// (local, webhook, transfer_call, end_call), ending the call, errors and reconnecting after a drop.

const h = openAIRealtimeHarness();

describe('OpenAIRealtime over a Twilio call', () => {
  it('runs a local and a webhook function call streamed in fragments, then transfer_call reaches Twilio', async () => {
    const fake = await h.startFake();
    const hooks = await h.startHooks({ 'POST /crm': (_req, res) => res.json(200, { name: 'Ann', tier: 'gold' }) });
    const crm: WebhookTool = {
      name: 'crm_lookup',
      description: 'Look the caller up',
      parameters: { type: 'object', properties: { phone: { type: 'string' } }, required: ['phone'] },
      webhook: { url: `${hooks.url}/crm`, secret: 'hook-secret' },
    };
    const booked: unknown[] = [];
    const bookTable = defineTool<{ party: number; time: string }>({
      name: 'book_table',
      description: 'Book a table',
      parameters: { type: 'object', properties: { party: { type: 'integer' }, time: { type: 'string' } }, required: ['party', 'time'] },
      handler: (args) => {
        booked.push(args);
        return { ref: 'B-7' };
      },
    });
    const { call: phone, conn, server: s } = await h.call({
      engine: new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }),
      tools: [bookTable, crm],
      transferAllowlist: ['+1415555*'],
    });
    s.api.addCall(phone.callSid);
    await sessionUpdate(conn);
    const functionCall = async (id: string, name: string, parts: string[]) => {
      await conn.send({ type: 'response.created', response: { id: `resp_${id}`, object: 'realtime.response', status: 'in_progress' } });
      const item = { id: `item_${id}`, type: 'function_call', call_id: `call_${id}`, name, arguments: '' };
      await conn.send({ type: 'response.output_item.added', response_id: `resp_${id}`, output_index: 0, item });
      for (const delta of parts) await conn.send({ type: 'response.function_call_arguments.delta', response_id: `resp_${id}`, item_id: item.id, call_id: item.call_id, delta });
      await conn.send({ type: 'response.function_call_arguments.done', response_id: `resp_${id}`, item_id: item.id, call_id: item.call_id, name, arguments: parts.join('') });
      await conn.send({ type: 'response.done', response: { id: `resp_${id}`, object: 'realtime.response', status: 'completed' } });
    };

    await functionCall('1', 'book_table', ['{"par', 'ty":2,"ti', 'me":"19:30"}']);
    const output = await conn.waitForJson<{ type: string; item: Record<string, unknown> }>(
      (m) => m.type === 'conversation.item.create' && (m.item as { type?: string })?.type === 'function_call_output',
    );
    expect(output.item).toEqual({ type: 'function_call_output', call_id: 'call_1', output: '{"ref":"B-7"}' });
    expect(booked).toEqual([{ party: 2, time: '19:30' }]);
    await waitFor(() => conn.jsonMessages<{ type: string }>().filter((m) => m.type === 'response.create').length === 1);

    // A webhook tool: the arguments are POSTed (signed), the answer goes back to the model.
    await functionCall('w', 'crm_lookup', ['{"pho', 'ne":"+1415', '5550100"}']);
    const hookOutput = await conn.waitForJson<{ type: string; item: Record<string, unknown> }>(
      (m) => m.type === 'conversation.item.create' && (m.item as { call_id?: string })?.call_id === 'call_w',
    );
    expect(hookOutput.item).toEqual({ type: 'function_call_output', call_id: 'call_w', output: '{"name":"Ann","tier":"gold"}' });
    expect(hooks.requests).toHaveLength(1);
    expect(hooks.requests[0]!.json()).toMatchObject({ tool: 'crm_lookup', arguments: { phone: '+14155550100' } });
    expect(hooks.requests[0]!.header(WEBHOOK_SIGNATURE_HEADER)).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    await waitFor(() => conn.jsonMessages<{ type: string }>().filter((m) => m.type === 'response.create').length === 2);

    await functionCall('2', 'transfer_call', ['{"num', 'ber":"+1415', '5550000"}']);
    const update = await s.api.updates.next(5_000);
    expect(update.callSid).toBe(phone.callSid);
    expect(update.form.get('Twiml')).toMatch(/<Dial[^>]*>\s*(<Number>)?\+14155550000(<\/Number>)?\s*<\/Dial>/);
    await waitFor(() => s.ends.length === 1, 5_000);
    expect(s.ends[0]?.reason).toBe('transfer');
  });

  it('end_call hangs up once the goodbye has played, with reason agent_hangup', async () => {
    const fake = await h.startFake();
    const { call: phone, conn, server: s } = await h.call({ engine: new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }) });
    s.api.addCall(phone.callSid);
    await speak(conn, tone(400), 'bye', 4800);
    await conn.send({ type: 'response.created', response: { id: 'resp_end', object: 'realtime.response', status: 'in_progress' } });
    const item = { id: 'item_end', type: 'function_call', call_id: 'call_end', name: 'end_call', arguments: '' };
    await conn.send({ type: 'response.output_item.added', response_id: 'resp_end', output_index: 0, item });
    for (const delta of ['{"rea', 'son":"done"}']) await conn.send({ type: 'response.function_call_arguments.delta', response_id: 'resp_end', item_id: item.id, call_id: item.call_id, delta });
    await conn.send({ type: 'response.function_call_arguments.done', response_id: 'resp_end', item_id: item.id, call_id: item.call_id, arguments: '{"reason":"done"}' });
    await conn.send({ type: 'response.done', response: { id: 'resp_end', object: 'realtime.response', status: 'completed' } });
    await waitFor(() => s.ends.length === 1, 5_000);
    expect(s.ends[0]?.reason).toBe('agent_hangup');
    // 400 ms of goodbye = 20 μ-law frames, all delivered before the hang-up.
    expect(phone.receivedMs()).toBeGreaterThanOrEqual(380);
    expect(phone.violations).toEqual([]);
  });

  it('a fatal error event mid-call ends the call with reason error and a log line', async () => {
    const fake = await h.startFake();
    const { call: phone, conn, server: s } = await h.call({ engine: new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }) });
    await speak(conn, tone(100), 'hi', 4800);
    await waitFor(() => phone.receivedMs() >= 60);
    await conn.send({ type: 'error', error: { type: 'invalid_request_error', code: 'session_expired', message: 'Your session hit the maximum duration of 60 minutes.' } });
    await waitFor(() => s.ends.length === 1, 3_000);
    expect(s.ends[0]?.reason).toBe('error');
    expect(s.logs.some((l) => l.msg === 'engine reported an error' && (l.err as { message?: string })?.message?.includes('session_expired'))).toBe(true);
    await phone.closed;
    await conn.closed;
  });

  it('a socket drop mid-call reconnects with the conversation so far (text items, no greeting again) and the call goes on', async () => {
    const fake = await h.startFake();
    const { call: phone, conn, server: s } = await h.call({
      engine: new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }),
      firstMessage: 'Welcome to {place}.',
    });
    await sessionUpdate(conn);
    await conn.waitForJson((m: { type: string }) => m.type === 'response.create'); // the greeting, on the first socket only
    await conn.send({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_user_1', content_index: 0, transcript: 'A table for two, please.' });
    await speak(conn, tone(300), '1', 4800); // "Sure, for how many?"
    await waitFor(() => s.transcripts.some((t) => t.isFinal && t.role === 'assistant'), 3_000);

    await conn.terminate(); // 1006: retryable
    const next: FakeWebSocketConnection = await fake.nextConnection(5_000);
    const state = await configuredState(next);
    await waitFor(() => state.created.length === 2, 3_000);
    expect(state.created).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'A table for two, please.' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Sure, for how many?' }] },
    ]);
    expect(state.errors).toEqual([]);
    // The call goes on: caller audio reaches the new session, and its reply plays.
    await phone.sendAudio(CALLER.subarray(0, 1600), { realtime: false });
    await waitFor(() => appendedAudio(next).byteLength > 0);
    const before = phone.receivedMs();
    await speak(next, tone(200), '2', 4800);
    await waitFor(() => phone.receivedMs() >= before + 180, 3_000);
    expect(next.jsonMessages<{ type: string }>().some((m) => m.type === 'response.create')).toBe(false);
    expect(s.ends).toEqual([]);
    expect(s.logs.some((l) => l.msg === 'engine session dropped; reconnecting with the conversation so far')).toBe(true);
    expect(s.logs.some((l) => l.msg === 'engine session resumed')).toBe(true);
    await phone.stop();
    await waitFor(() => s.ends.length === 1);
    expect(s.ends[0]?.reason).toBe('caller_hangup');
    expect((await next.closed).code).toBe(1000);
  });

  it('a drop it cannot reconnect from (the server is gone) ends the call with reason error and log lines', async () => {
    const fake = await h.startFake();
    const { call: phone, conn, server: s } = await h.call({ engine: new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }) });
    await phone.sendAudio(CALLER.subarray(0, 800), { realtime: false });
    await waitFor(() => appendedAudio(conn).byteLength > 0);
    await h.closeFake(); // drops the socket (1006) and refuses new connections
    await waitFor(() => s.ends.length === 1, 8_000);
    expect(s.ends[0]?.reason).toBe('error');
    expect(s.logs.some((l) => l.msg === 'openai realtime socket closed by the server' && l.code === 1006)).toBe(true);
    expect(s.logs.some((l) => l.msg === 'engine reconnection failed; ending the call')).toBe(true);
    await phone.closed;
  });
});

describe('OpenAIRealtime: ending, transferring and barge-in timing', () => {

  /** One response in which the agent says `text` (audio + transcript), then calls `name`, as the model does before hanging up. */
  async function sayThenCall(conn: FakeWebSocketConnection, id: string, audio: Uint8Array, text: string, name: string, args: string) {
    const responseId = `resp_${id}`;
    await beginResponse(conn, responseId, `item_${id}`);
    for (const delta of frames(audio, 4800)) await sendAudioDelta(conn, responseId, `item_${id}`, delta);
    await conn.send({ type: 'response.output_audio_transcript.done', response_id: responseId, item_id: `item_${id}`, transcript: text });
    const item = { id: `fc_${id}`, type: 'function_call', call_id: `call_${id}`, name, arguments: '' };
    await conn.send({ type: 'response.output_item.added', response_id: responseId, output_index: 1, item });
    await conn.send({ type: 'response.function_call_arguments.done', response_id: responseId, item_id: item.id, call_id: item.call_id, name, arguments: args });
    await endResponse(conn, responseId);
  }

  it('end_call after the goodbye: the call ends (agent_hangup) within its playout + 1 s, no tool timeout, the socket closes with 1000', async () => {
    const fake = await h.startFake();
    const { call: phone, conn, server: s } = await h.call({ engine: new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }) });
    s.api.addCall(phone.callSid);
    await sayThenCall(conn, 'bye', tone(1500), 'Thanks for calling, goodbye!', 'end_call', '{}');
    const update = await s.api.updates.next(40_000);
    const hungUpAt = performance.now();
    expect(update.form.get('Status')).toBe('completed');
    expect(phone.receivedAudio().byteLength).toBeGreaterThanOrEqual(1500 * 8 - 160);
    const played = playoutEnd(phone.media.items);
    expect(hungUpAt).toBeGreaterThanOrEqual(played - 50);
    expect(hungUpAt - played).toBeLessThan(1000);
    await waitFor(() => s.ends.length === 1, 5_000);
    expect(s.ends[0]?.reason).toBe('agent_hangup');
    expect(s.ends[0]!.transcript.map((t) => `${t.role}: ${t.text}`)).toEqual(['assistant: Thanks for calling, goodbye!']);
    expect(toolTimedOut(s.logs)).toBe(false);
    expect(await conn.closed).toMatchObject({ code: 1000, byServer: false });
    expect(phone.violations).toEqual([]);
  });

  it('transfer_call after "transferring you": Twilio gets the <Dial> within the playout + 1 s, reason transfer, no tool timeout', async () => {
    const fake = await h.startFake();
    const { call: phone, conn, server: s } = await h.call({
      engine: new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }),
      transferAllowlist: ['+1415555*'],
    });
    s.api.addCall(phone.callSid);
    await sayThenCall(conn, 'tr', tone(1200), 'One moment, transferring you.', 'transfer_call', '{"number":"+14155550000"}');
    const update = await s.api.updates.next(40_000);
    const transferredAt = performance.now();
    expect(update.form.get('Twiml')).toMatch(/<Dial[^>]*>\s*(<Number>)?\+14155550000(<\/Number>)?\s*<\/Dial>/);
    const played = playoutEnd(phone.media.items);
    expect(transferredAt).toBeGreaterThanOrEqual(played - 50);
    expect(transferredAt - played).toBeLessThan(1000);
    await waitFor(() => s.ends.length === 1, 5_000);
    expect(s.ends[0]?.reason).toBe('transfer');
    expect(toolTimedOut(s.logs)).toBe(false);
    expect((await conn.closed).code).toBe(1000);
  });
});
