import { MULAW_8K, PCM16_24K } from '@patter/core';
import { OpenAIRealtime, OpenAIRealtime2 } from '@patter/openai-realtime';
import { appendedAudio, FakeWebSocketServer, sessionUpdate, startFakeRealtime } from '@patter/testing';
import { describe, expect, it } from 'vitest';
import { CALLER, converted, frames, openAIRealtimeHarness, speak, tone } from './test-support/openai-realtime-harness.js';
import { waitFor } from './test-support/test-server.js';

// A Twilio call through the real server and the real OpenAI Realtime engines, against the
// strict loopback fake of OpenAI's GA Realtime endpoint: the session each
// engine asks for, the caller's and the agent's audio both ways, and a session the server refuses.

const h = openAIRealtimeHarness();

describe('OpenAIRealtime over a Twilio call', () => {
  it('sends the exact GA session, the caller as PCM16 24 kHz, and the agent back as paced 20 ms μ-law frames', async () => {
    const fake = await h.startFake();
    const { call: phone, conn, server: s } = await h.call({
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
});

describe('a server that refuses the session', () => {
  it.each([
    ['beta_api_shape_disabled', 'The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.', null, /beta Realtime wire shape \(beta_api_shape_disabled\)/],
    ['unknown_parameter', "Unknown parameter: 'session.reasoning'.", 'session.reasoning', /unknown session parameter "session\.reasoning" \(unknown_parameter\)/],
  ] as const)('%s: the call ends with reason error and the log line names it', async (code, message, param, expected) => {
    const fake = await h.startFake(() =>
      FakeWebSocketServer.start({
        path: '/v1/realtime',
        onConnection: async (conn) => {
          await conn.waitForJson((m: { type: string }) => m.type === 'session.update');
          await conn.send({ type: 'error', error: { type: 'invalid_request_error', code, message, param } });
          if (code === 'beta_api_shape_disabled') await conn.close(4000, code);
        },
      }),
    );
    const server = await h.startServer({ engine: new OpenAIRealtime2({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1`, reasoningEffort: 'low' }) });
    const phone = await server.simulator.inboundCall({ from: '+14155550100' });
    await waitFor(() => server.ends.length === 1, 3_000);
    expect(server.ends[0]?.reason).toBe('error');
    const line = server.logs.find((l) => l.msg === 'engine connection failed; ending the call');
    expect((line?.err as { message?: string } | undefined)?.message).toMatch(expected);
    expect(JSON.stringify(server.logs)).not.toContain('sk-test');
    await phone.closed;
  });
});

describe('OpenAIRealtime2 over a Twilio call', () => {
  it('negotiates μ-law: the GA session asks audio/pcmu both ways with reasoning, and bytes pass through untouched', async () => {
    const fake = await h.startFake();
    const { call: phone, conn } = await h.call({
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
    const fake = await h.startFake(() => startFakeRealtime({ agreeFormat: { type: 'audio/pcm', rate: 24000 } }));
    const { call: phone, conn } = await h.call({ engine: new OpenAIRealtime2({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }) });
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
    const fake = await h.startFake();
    const { conn } = await h.call({ engine: new OpenAIRealtime2({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }) });
    const { session } = await sessionUpdate(conn);
    expect('reasoning' in session).toBe(false);
  });
});
