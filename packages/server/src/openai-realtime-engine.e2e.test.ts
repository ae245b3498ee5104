import {
  defineTool,
  MULAW_8K,
  PCM16_24K,
  type AgentOptions,
  type AudioFormat,
  type Engine,
  type WebhookTool,
  WEBHOOK_SIGNATURE_HEADER,
} from '@patter/core';
import { createAudioConverter } from '@patter/core/plugin';
import { OpenAIRealtime, OpenAIRealtime2 } from '@patter/openai-realtime';
import {
  appendedAudio,
  audioDelta,
  configuredState,
  realtimeState,
  beginResponse,
  endResponse,
  FakeHttpServer,
  FakeWebSocketServer,
  loadFixture,
  pcmToBytes,
  sendAudioDelta,
  sendInOneRead,
  sessionUpdate,
  sineWave,
  startFakeRealtime,
  type FakeWebSocketConnection,
  type TwilioSimulatedCall,
} from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { playedByCarrier, playoutEnd, startEngineServer, type EngineServer } from './test-support/engine-server.js';
import { waitFor } from './test-support/test-server.js';

// A Twilio call through the real server and the real OpenAI Realtime engines, against the
// strict loopback fake of OpenAI's GA Realtime endpoint.

let fake: FakeWebSocketServer | undefined;
let server: EngineServer | undefined;
let hooks: FakeHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  await fake?.close();
  await hooks?.close();
  server = fake = hooks = undefined;
});

const CALLER = loadFixture('book-a-table', 'mulaw-8k').bytes.subarray(0, 160 * 25);

/** Agent speech: a tone, as PCM16 24 kHz bytes. */
const tone = (durationMs: number) => pcmToBytes(sineWave({ durationMs, sampleRate: 24_000, frequency: 300 }));

/** What core's stateful converter makes of `chunks`, fed in that order. */
function converted(from: AudioFormat, to: AudioFormat, chunks: readonly Uint8Array[]): Uint8Array {
  const converter = createAudioConverter(from, to);
  return new Uint8Array(Buffer.concat(chunks.map((chunk) => Buffer.from(converter.convert(chunk)))));
}

const frames = (audio: Uint8Array, size: number) =>
  Array.from({ length: Math.ceil(audio.byteLength / size) }, (_, i) => audio.subarray(i * size, (i + 1) * size));

async function call(options: AgentOptions & { readonly engine: Engine }) {
  server = await startEngineServer({ systemPrompt: 'You take bookings for {place}.', variables: { place: 'Luigi' }, ...options });
  const callHandle: TwilioSimulatedCall = await server.simulator.inboundCall({ from: '+14155550100' });
  const conn: FakeWebSocketConnection = await fake!.nextConnection();
  await configuredState(conn);
  return { call: callHandle, conn, server };
}

/** The fake speaks `audio` (as one response of 100 ms deltas) and finishes the response. */
async function speak(conn: FakeWebSocketConnection, audio: Uint8Array, id: string, deltaBytes: number): Promise<Uint8Array[]> {
  await beginResponse(conn, `resp_${id}`, `item_${id}`);
  const deltas = frames(audio, deltaBytes);
  for (const delta of deltas) await sendAudioDelta(conn, `resp_${id}`, `item_${id}`, delta);
  await conn.send({ type: 'response.output_audio_transcript.done', response_id: `resp_${id}`, item_id: `item_${id}`, transcript: 'Sure, for how many?' });
  await endResponse(conn, `resp_${id}`);
  return deltas;
}

describe('OpenAIRealtime over a Twilio call', () => {
  it('sends the exact GA session, the caller as PCM16 24 kHz, and the agent back as paced 20 ms μ-law frames', async () => {
    fake = await startFakeRealtime();
    const { call: phone, conn, server: s } = await call({
      engine: new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1`, voice: 'coral' }),
      firstMessage: 'Welcome to {place}.',
    });
    expect(conn.headers['openai-beta']).toBeUndefined();
    expect(conn.query.get('model')).toBe('gpt-realtime-mini');
    const { session } = await sessionUpdate(conn);
    const { tools, ...rest } = session;
    expect(rest).toEqual({
      type: 'realtime',
      model: 'gpt-realtime-mini',
      output_modalities: ['audio'],
      instructions: 'You take bookings for Luigi.',
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 24000 },
          transcription: { model: 'whisper-1' },
          turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, create_response: true, interrupt_response: true },
        },
        output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'coral' },
      },
      tool_choice: 'auto',
    });
    expect((tools as { type: string; name: string }[]).map((t) => `${t.type}:${t.name}`)).toEqual(['function:transfer_call', 'function:end_call']);
    // The first message is spoken verbatim by a response, not sent as a user turn.
    const greeting = await conn.waitForJson<{ type: string; response?: { instructions?: string } }>((m) => m.type === 'response.create');
    expect(greeting.response?.instructions).toContain('"Welcome to Luigi."');

    // Caller: μ-law 8 kHz frames → PCM16 24 kHz through core's resampler, in order, nothing lost.
    await phone.sendAudio(CALLER, { realtime: false });
    const expectedIn = converted(MULAW_8K, PCM16_24K, frames(CALLER, 160));
    await waitFor(() => appendedAudio(conn).byteLength >= expectedIn.byteLength);
    expect(Buffer.from(appendedAudio(conn))).toEqual(Buffer.from(expectedIn));

    // The caller's words, transcribed by the server (asynchronously, after the commit).
    await conn.send({ type: 'input_audio_buffer.committed', item_id: 'item_user_1', previous_item_id: null });
    await conn.send({
      type: 'conversation.item.input_audio_transcription.completed',
      item_id: 'item_user_1',
      content_index: 0,
      transcript: 'A table for two, please.',
      usage: { type: 'duration', seconds: 1 },
    });

    // Agent: 600 ms of PCM16 24 kHz in 100 ms deltas → μ-law 8 kHz, 160-byte frames at real time.
    const deltas = await speak(conn, tone(600), '1', 4800);
    const expectedOut = converted(PCM16_24K, MULAW_8K, deltas);
    const whole = expectedOut.byteLength - (expectedOut.byteLength % 160);
    await waitFor(() => phone.receivedAudio().byteLength >= whole, 3_000);
    const media = phone.media.items;
    expect(media.every((f) => f.bytes % 160 === 0)).toBe(true);
    expect(Buffer.from(phone.receivedAudio().subarray(0, whole))).toEqual(Buffer.from(expectedOut.subarray(0, whole)));
    const spanMs = media.at(-1)!.at - media[0]!.at;
    // Paced at real time, not flushed as fast as it came (wide bounds: a loaded machine stalls and catches up).
    expect(spanMs).toBeGreaterThan((media.length - 1) * 20 * 0.5);
    expect(spanMs).toBeLessThan((media.length - 1) * 20 + 1000);

    await phone.stop();
    await waitFor(() => s.ends.length === 1);
    expect(s.ends[0]).toMatchObject({ reason: 'caller_hangup' });
    expect(s.ends[0]!.transcript.map((t) => `${t.role}: ${t.text}`)).toEqual(['user: A table for two, please.', 'assistant: Sure, for how many?']);
    // response.done usage: 100 in (40 audio), 20 out (15 audio); text and audio are counted apart.
    expect(s.ends[0]!.usage.openai_realtime).toMatchObject({ inputTokens: 60, outputTokens: 5, inputAudioTokens: 40, outputAudioTokens: 15 });
    expect(phone.violations).toEqual([]);
  });

  it('barge-in: speech_started while the agent talks → carrier clear, response.cancel, truncate to the played ms', async () => {
    fake = await startFakeRealtime();
    const { call: phone, conn } = await call({ engine: new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }) });
    await sessionUpdate(conn);
    // 2 s of speech, fully generated (response.done) long before it has played.
    await speak(conn, tone(2000), 'long', 4800);
    await waitFor(() => phone.receivedMs() >= 400, 3_000);
    await conn.send({ type: 'input_audio_buffer.speech_started', audio_start_ms: 900, item_id: 'item_user_2' });
    await waitFor(() => phone.clears.items.length === 1, 2_000);
    const played = playedByCarrier(phone.media.items, phone.clears.items[0]!);
    const truncate = await conn.waitForJson<{ type: string; item_id: string; content_index: number; audio_end_ms: number }>(
      (m) => m.type === 'conversation.item.truncate',
    );
    expect(truncate).toMatchObject({ item_id: 'item_long', content_index: 0 });
    // The server's estimate and the simulator's (at the clear's arrival) differ by the clear's transit, long on a loaded machine.
    expect(Math.abs(truncate.audio_end_ms - played)).toBeLessThanOrEqual(120);
    expect(truncate.audio_end_ms).toBeGreaterThan(200);
    const sent = conn.jsonMessages<{ type: string }>().map((m) => m.type);
    expect(sent.indexOf('response.cancel')).toBeGreaterThan(-1);
    expect(sent.indexOf('response.cancel')).toBeLessThan(sent.indexOf('conversation.item.truncate'));
    // The server accepted the truncation (within the generated audio); the reply had been fully
    // generated, so the cancel only met the harmless response_cancel_not_active.
    await waitFor(() => realtimeState(conn).truncated.has('item_long'));
    expect(realtimeState(conn).errors).toEqual(['response_cancel_not_active']);
    const framesAtClear = phone.media.items.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(phone.media.items.length - framesAtClear).toBeLessThanOrEqual(1);
    expect(phone.violations).toEqual([]);
  });

  it('runs a local and a webhook function call streamed in fragments, then transfer_call reaches Twilio', async () => {
    fake = await startFakeRealtime();
    hooks = await FakeHttpServer.start({ 'POST /crm': (_req, res) => res.json(200, { name: 'Ann', tier: 'gold' }) });
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
    const { call: phone, conn, server: s } = await call({
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
    fake = await startFakeRealtime();
    const { call: phone, conn, server: s } = await call({ engine: new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }) });
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
    fake = await startFakeRealtime();
    const { call: phone, conn, server: s } = await call({ engine: new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }) });
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
    fake = await startFakeRealtime();
    const { call: phone, conn, server: s } = await call({
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
    fake = await startFakeRealtime();
    const { call: phone, conn, server: s } = await call({ engine: new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }) });
    await phone.sendAudio(CALLER.subarray(0, 800), { realtime: false });
    await waitFor(() => appendedAudio(conn).byteLength > 0);
    const gone = fake;
    fake = undefined;
    await gone.close(); // drops the socket (1006) and refuses new connections
    await waitFor(() => s.ends.length === 1, 8_000);
    expect(s.ends[0]?.reason).toBe('error');
    expect(s.logs.some((l) => l.msg === 'openai realtime socket closed by the server' && l.code === 1006)).toBe(true);
    expect(s.logs.some((l) => l.msg === 'engine reconnection failed; ending the call')).toBe(true);
    await phone.closed;
  });
});

describe('OpenAIRealtime: ending, transferring and barge-in timing', () => {
  const toolTimedOut = (s: EngineServer) => s.logs.some((l) => l.msg === 'tool call failed' || JSON.stringify(l).includes('timed out'));

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
    fake = await startFakeRealtime();
    const { call: phone, conn, server: s } = await call({ engine: new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }) });
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
    expect(toolTimedOut(s)).toBe(false);
    expect(await conn.closed).toMatchObject({ code: 1000, byServer: false });
    expect(phone.violations).toEqual([]);
  });

  it('transfer_call after "transferring you": Twilio gets the <Dial> within the playout + 1 s, reason transfer, no tool timeout', async () => {
    fake = await startFakeRealtime();
    const { call: phone, conn, server: s } = await call({
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
    expect(toolTimedOut(s)).toBe(false);
    expect((await conn.closed).code).toBe(1000);
  });

  it('deltas of the interrupted response parsed in the same socket read as speech_started never reach the carrier; the transcript keeps the heard part', async () => {
    fake = await startFakeRealtime();
    const { call: phone, conn, server: s } = await call({ engine: new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }) });
    await sessionUpdate(conn);
    const text = 'Sure, we have a table at eight tonight for you.';
    // 1 s of the reply generated so far; the caller hears about 300 ms of it.
    await beginResponse(conn, 'resp_1', 'item_1');
    for (const delta of frames(tone(1000), 4800)) await sendAudioDelta(conn, 'resp_1', 'item_1', delta);
    await waitFor(() => phone.receivedMs() >= 300, 3_000);
    // The caller speaks: the server had more audio of the response ready, in the same read.
    sendInOneRead(conn, [
      { type: 'input_audio_buffer.speech_started', audio_start_ms: 1200, item_id: 'item_user_1' },
      ...frames(tone(300), 4800).map((delta) => audioDelta(conn, 'resp_1', 'item_1', delta)),
      { type: 'response.output_audio_transcript.done', response_id: 'resp_1', item_id: 'item_1', transcript: text },
    ]);
    await waitFor(() => phone.clears.items.length === 1, 2_000);
    const clearedAt = phone.clears.items[0]!;
    const played = playedByCarrier(phone.media.items, clearedAt);
    await conn.waitForJson((m: { type: string }) => m.type === 'conversation.item.truncate');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(phone.media.items.filter((f) => f.at > clearedAt)).toEqual([]);
    await waitFor(() => s.transcripts.some((t) => t.isFinal && t.role === 'assistant'), 2_000);
    await phone.stop();
    await waitFor(() => s.ends.length === 1);
    const heard = s.ends[0]!.transcript.filter((t) => t.role === 'assistant').map((t) => t.text);
    expect(heard).toHaveLength(1);
    expect(text.startsWith(heard[0]!)).toBe(true);
    // About the played share of the 1 s sent (words are cut whole): far from the whole reply.
    const expectedChars = (text.length * played) / 1000;
    expect(heard[0]!.length).toBeLessThanOrEqual(expectedChars + 8);
    expect(heard[0]!.length).toBeLessThan(text.length);
    expect(phone.violations).toEqual([]);
  });
});

describe('a server that refuses the session', () => {
  it.each([
    ['beta_api_shape_disabled', 'The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.', null, /beta Realtime wire shape \(beta_api_shape_disabled\)/],
    ['unknown_parameter', "Unknown parameter: 'session.reasoning'.", 'session.reasoning', /unknown session parameter "session\.reasoning" \(unknown_parameter\)/],
  ] as const)('%s: the call ends with reason error and the log line names it', async (code, message, param, expected) => {
    fake = await FakeWebSocketServer.start({
      path: '/v1/realtime',
      onConnection: async (conn) => {
        await conn.waitForJson((m: { type: string }) => m.type === 'session.update');
        await conn.send({ type: 'error', error: { type: 'invalid_request_error', code, message, param } });
        if (code === 'beta_api_shape_disabled') await conn.close(4000, code);
      },
    });
    server = await startEngineServer({ engine: new OpenAIRealtime2({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1`, reasoningEffort: 'low' }) });
    const phone = await server.simulator.inboundCall({ from: '+14155550100' });
    await waitFor(() => server!.ends.length === 1, 3_000);
    expect(server.ends[0]?.reason).toBe('error');
    const line = server.logs.find((l) => l.msg === 'engine connection failed; ending the call');
    expect((line?.err as { message?: string } | undefined)?.message).toMatch(expected);
    expect(JSON.stringify(server.logs)).not.toContain('sk-test');
    await phone.closed;
  });
});

describe('OpenAIRealtime2 over a Twilio call', () => {
  it('negotiates μ-law: the GA session asks audio/pcmu both ways with reasoning, and bytes pass through untouched', async () => {
    fake = await startFakeRealtime();
    const { call: phone, conn } = await call({
      engine: new OpenAIRealtime2({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1`, voice: 'marin', reasoningEffort: 'low' }),
    });
    const { session } = await sessionUpdate(conn);
    expect(conn.query.get('model')).toBe('gpt-realtime-2');
    expect(session.type).toBe('realtime');
    expect(session.reasoning).toEqual({ effort: 'low' });
    expect(session.audio.input.format).toEqual({ type: 'audio/pcmu' });
    expect(session.audio.output).toEqual({ format: { type: 'audio/pcmu' }, voice: 'marin' });

    await phone.sendAudio(CALLER, { realtime: false });
    await waitFor(() => appendedAudio(conn).byteLength >= CALLER.byteLength);
    expect(Buffer.from(appendedAudio(conn))).toEqual(Buffer.from(CALLER));

    const reply = new Uint8Array(3200).map((_, i) => (i * 7) % 251);
    await speak(conn, reply, '1', 800);
    await waitFor(() => phone.receivedAudio().byteLength >= reply.byteLength, 3_000);
    expect(Buffer.from(phone.receivedAudio())).toEqual(Buffer.from(reply));
    expect(phone.media.items.every((f) => f.bytes % 160 === 0)).toBe(true);
    await phone.stop();
  });

  it('converts from the formats the server agreed: asked audio/pcmu, got PCM16 24 kHz both ways', async () => {
    fake = await startFakeRealtime({ agreeFormat: { type: 'audio/pcm', rate: 24000 } });
    const { call: phone, conn } = await call({ engine: new OpenAIRealtime2({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }) });
    const { session } = await sessionUpdate(conn);
    expect(session.audio.input.format).toEqual({ type: 'audio/pcmu' });
    expect(session.audio.output.format).toEqual({ type: 'audio/pcmu' });

    await phone.sendAudio(CALLER, { realtime: false });
    const expectedIn = converted(MULAW_8K, PCM16_24K, frames(CALLER, 160));
    await waitFor(() => appendedAudio(conn).byteLength >= expectedIn.byteLength);
    expect(Buffer.from(appendedAudio(conn))).toEqual(Buffer.from(expectedIn));

    const deltas = await speak(conn, tone(400), '1', 4800);
    const expectedOut = converted(PCM16_24K, MULAW_8K, deltas);
    const whole = expectedOut.byteLength - (expectedOut.byteLength % 160);
    await waitFor(() => phone.receivedAudio().byteLength >= whole, 3_000);
    expect(phone.media.items.every((f) => f.bytes % 160 === 0)).toBe(true);
    expect(Buffer.from(phone.receivedAudio().subarray(0, whole))).toEqual(Buffer.from(expectedOut.subarray(0, whole)));
    expect(phone.violations).toEqual([]);
    await phone.stop();
  });

  it('leaves reasoning out of the wire when it is not set', async () => {
    fake = await startFakeRealtime();
    const { conn } = await call({ engine: new OpenAIRealtime2({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }) });
    const { session } = await sessionUpdate(conn);
    expect('reasoning' in session).toBe(false);
  });
});
