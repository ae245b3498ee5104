import { ConfigError, MULAW_8K, PCM16_24K, type EngineEvent, type EngineSession } from '@patter/core';
import type { FakeWebSocketServer } from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeRealtime, sessionUpdate } from '@patter/testing';
import { OpenAIRealtime, OpenAIRealtime2, Realtime, Realtime2 } from './index.js';

let fake: FakeWebSocketServer | undefined;
let session: EngineSession | undefined;

afterEach(async () => {
  await session?.close();
  await fake?.close();
  session = undefined;
  fake = undefined;
});

const connectOptions = { instructions: 'You are a booking agent.', tools: [], carrierFormat: MULAW_8K } as const;

function collect(s: EngineSession): EngineEvent[] {
  const events: EngineEvent[] = [];
  void (async () => {
    for await (const event of s.events()) events.push(event);
  })();
  return events;
}

async function until(predicate: () => boolean, ms = 2000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('OpenAIRealtime', () => {
  it('sends the exact GA session configuration with PCM16 24 kHz both ways and no beta header', async () => {
    fake = await startFakeRealtime();
    const engine = new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1' });
    session = await engine.connect(connectOptions);
    const conn = fake.connections[0]!;
    expect(conn.query.get('model')).toBe('gpt-realtime-mini');
    expect(conn.headers['openai-beta']).toBeUndefined();
    const update = await sessionUpdate(conn);
    expect(update.session).toEqual({
      type: 'realtime',
      model: 'gpt-realtime-mini',
      output_modalities: ['audio'],
      instructions: 'You are a booking agent.',
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 24000 },
          transcription: { model: 'whisper-1' },
          turn_detection: {
            type: 'server_vad',
            threshold: 0.5,
            prefix_padding_ms: 300,
            silence_duration_ms: 500,
            create_response: true,
            interrupt_response: true,
          },
        },
        output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'alloy' },
      },
      tools: [],
      tool_choice: 'auto',
    });
    expect(session.inputFormat).toEqual(PCM16_24K);
    expect(session.outputFormat).toEqual(PCM16_24K);
  });

  it('sends reasoning only when set, and G.711 straight through on OpenAIRealtime2', async () => {
    fake = await startFakeRealtime();
    session = await new OpenAIRealtime2({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1', voice: 'marin', reasoningEffort: 'low' }).connect(
      connectOptions,
    );
    const update = await sessionUpdate(fake.connections[0]!);
    expect(fake.connections[0]!.query.get('model')).toBe('gpt-realtime-2');
    expect(update.session.reasoning).toEqual({ effort: 'low' });
    expect(update.session.audio.input.format).toEqual({ type: 'audio/pcmu' });
    expect(update.session.audio.output).toEqual({ format: { type: 'audio/pcmu' }, voice: 'marin' });
    expect(session.outputFormat).toEqual(MULAW_8K);
  });

  it('converts from the formats the server agreed, not the ones asked for', async () => {
    fake = await startFakeRealtime({ agreeFormat: { type: 'audio/pcm', rate: 24000 } });
    session = await new OpenAIRealtime2({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1' }).connect(connectOptions);
    expect(session.inputFormat).toEqual(PCM16_24K);
    expect(session.outputFormat).toEqual(PCM16_24K);
  });

  it('replays the GA fixture turn: audio in order, both transcripts, usage', async () => {
    fake = await startFakeRealtime();
    session = await new OpenAIRealtime2({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1' }).connect(connectOptions);
    const events = collect(session);
    const conn = fake.connections[0]!;
    session.sendAudio(new Uint8Array(16).fill(0xff));
    const append = await conn.waitForJson<{ type: string; audio: string }>((m) => m.type === 'input_audio_buffer.append');
    expect(append.audio).toBe('/////////////////////w==');
    for (const msg of [
      { type: 'input_audio_buffer.speech_started', audio_start_ms: 1120, item_id: 'item_U1' },
      { type: 'input_audio_buffer.speech_stopped', audio_end_ms: 2940, item_id: 'item_U1' },
      { type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_U1', content_index: 0, transcript: 'Hi, can I book a table for Monday?' },
      { type: 'response.created', response: { id: 'resp_1', status: 'in_progress' } },
      { type: 'response.output_audio.delta', response_id: 'resp_1', item_id: 'item_A1', output_index: 0, content_index: 0, delta: '/n7wcOVl2lrRUcxMykrJSQ==' },
      { type: 'response.output_audio.delta', response_id: 'resp_1', item_id: 'item_A1', output_index: 0, content_index: 0, delta: 'yEjJSctLz0/WVt9f62v3dw==' },
      { type: 'response.output_audio_transcript.done', response_id: 'resp_1', item_id: 'item_A1', transcript: 'Sure! What time on Monday?' },
      {
        type: 'response.done',
        response: {
          id: 'resp_1',
          status: 'completed',
          usage: { input_tokens: 512, output_tokens: 59, input_token_details: { audio_tokens: 29 }, output_token_details: { audio_tokens: 47 } },
        },
      },
    ]) {
      await conn.send(msg);
    }
    await until(() => events.some((e) => e.type === 'responseDone'));
    const audio = events.filter((e) => e.type === 'audio').map((e) => Buffer.from((e as { data: Uint8Array }).data).toString('base64'));
    expect(audio).toEqual(['/n7wcOVl2lrRUcxMykrJSQ==', 'yEjJSctLz0/WVt9f62v3dw==']);
    expect(events.filter((e) => e.type === 'transcript')).toEqual([
      { type: 'transcript', role: 'user', text: 'Hi, can I book a table for Monday?', isFinal: true },
      { type: 'transcript', role: 'assistant', text: 'Sure! What time on Monday?', isFinal: true },
    ]);
    expect(events[0]).toEqual({ type: 'speechStarted' });
    expect(events.at(-1)).toEqual({
      type: 'responseDone',
      usage: { inputTokens: 512, outputTokens: 59, inputAudioTokens: 29, outputAudioTokens: 47 },
    });
  });

  it('batches the caller audio into 100 ms appends (five 20 ms frames each); a partial chunk goes once it waited 100 ms', async () => {
    fake = await startFakeRealtime();
    session = await new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1' }).connect(connectOptions);
    const conn = fake.connections[0]!;
    const appends = () =>
      conn.jsonMessages<{ type: string; audio?: string }>().filter((m) => m.type === 'input_audio_buffer.append').map((m) => Buffer.from(m.audio!, 'base64'));
    const sentAt = performance.now();
    for (let i = 0; i < 12; i++) session.sendAudio(new Uint8Array(960).fill(i)); // 20 ms of PCM16 24 kHz each
    await until(() => appends().length === 2);
    expect(appends().map((a) => a.length)).toEqual([4800, 4800]);
    expect([...appends()[1]!.subarray(0, 960)].every((b) => b === 5)).toBe(true); // in order
    await until(() => appends().length === 3);
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(95);
    expect(appends()[2]!.length).toBe(1920);
  });

  it('inputChunkMs: 20 appends each frame as it comes; out of range is refused naming it', async () => {
    fake = await startFakeRealtime();
    session = await new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1', inputChunkMs: 20 }).connect(connectOptions);
    const conn = fake.connections[0]!;
    for (let i = 0; i < 3; i++) session.sendAudio(new Uint8Array(960));
    await until(() => conn.jsonMessages<{ type: string }>().filter((m) => m.type === 'input_audio_buffer.append').length === 3);
    expect(() => new OpenAIRealtime({ apiKey: 'k', inputChunkMs: 5 })).toThrow(/^inputChunkMs: must be between 20 and 1000/);
  });

  it('accepts the beta event names as aliases', async () => {
    fake = await startFakeRealtime();
    session = await new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1' }).connect(connectOptions);
    const events = collect(session);
    const conn = fake.connections[0]!;
    await conn.send({ type: 'response.created', response: { id: 'r' } });
    await conn.send({ type: 'response.audio.delta', response_id: 'r', item_id: 'i', delta: 'AAAA' });
    await conn.send({ type: 'response.audio_transcript.done', response_id: 'r', item_id: 'i', transcript: 'Hello.' });
    await until(() => events.length >= 2);
    expect(events[0]).toMatchObject({ type: 'audio' });
    expect(events[1]).toEqual({ type: 'transcript', role: 'assistant', text: 'Hello.', isFinal: true });
  });

  it('on interruption cancels, truncates to the played milliseconds and drops the rest of that response', async () => {
    fake = await startFakeRealtime();
    session = await new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1' }).connect(connectOptions);
    const events = collect(session);
    const conn = fake.connections[0]!;
    await conn.send({ type: 'response.created', response: { id: 'resp_9' } });
    // 480 ms of PCM16 24 kHz generated.
    const chunk = Buffer.alloc(48 * 480).toString('base64');
    await conn.send({ type: 'response.output_audio.delta', response_id: 'resp_9', item_id: 'item_A9', delta: chunk });
    await until(() => events.length === 1);
    session.interrupt(212.7);
    await conn.send({ type: 'response.output_audio.delta', response_id: 'resp_9', item_id: 'item_A9', delta: chunk });
    const truncate = await conn.waitForJson<Record<string, unknown>>((m) => m.type === 'conversation.item.truncate');
    const sent = conn.jsonMessages<{ type: string }>().map((m) => m.type);
    expect(sent.indexOf('response.cancel')).toBeLessThan(sent.indexOf('conversation.item.truncate'));
    expect(truncate).toEqual({ type: 'conversation.item.truncate', item_id: 'item_A9', content_index: 0, audio_end_ms: 212 });
    await new Promise((r) => setTimeout(r, 30));
    expect(events.filter((e) => e.type === 'audio')).toHaveLength(1);
  });

  it('speech_started drops the rest of the response in progress at parse time (the server cancels it); the next response plays', async () => {
    fake = await startFakeRealtime();
    session = await new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1' }).connect(connectOptions);
    const events = collect(session);
    const conn = fake.connections[0]!;
    const delta = (responseId: string) => ({ type: 'response.output_audio.delta', response_id: responseId, item_id: `item_${responseId}`, delta: Buffer.alloc(4800).toString('base64') });
    await conn.send({ type: 'response.created', response: { id: 'resp_1' } });
    await conn.send(delta('resp_1'));
    await conn.send({ type: 'input_audio_buffer.speech_started', audio_start_ms: 900, item_id: 'item_user' });
    // Nothing of resp_1 after speech_started reaches the bridge, even before it called interrupt().
    await conn.send(delta('resp_1'));
    await conn.send({ type: 'response.output_audio_transcript.done', response_id: 'resp_1', item_id: 'item_resp_1', transcript: 'Sure, we have' });
    await conn.send({ type: 'response.done', response: { id: 'resp_1', status: 'cancelled', status_details: { type: 'cancelled', reason: 'turn_detected' } } });
    await conn.send({ type: 'response.created', response: { id: 'resp_2' } });
    await conn.send(delta('resp_2'));
    await conn.send({ type: 'response.done', response: { id: 'resp_2', status: 'completed' } });
    // Speech while nothing is being generated cancels nothing: the next response plays whole.
    await conn.send({ type: 'input_audio_buffer.speech_started', audio_start_ms: 3000, item_id: 'item_user_2' });
    await conn.send({ type: 'response.created', response: { id: 'resp_3' } });
    await conn.send(delta('resp_3'));
    await conn.send(delta('resp_3'));
    await until(() => events.filter((e) => e.type === 'audio').length === 4);
    expect(events.map((e) => e.type)).toEqual([
      'audio', 'speechStarted', 'transcript', 'responseDone', 'audio', 'responseDone', 'speechStarted', 'audio', 'audio',
    ]);
  });

  it('close() ends the socket with close 1000 "call ended" from our side', async () => {
    fake = await startFakeRealtime();
    session = await new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1' }).connect(connectOptions);
    const conn = fake.connections[0]!;
    await Promise.all([session.close(), session.close()]);
    expect(await conn.closed).toMatchObject({ code: 1000, reason: 'call ended', byServer: false });
  });

  it('deletes the item instead of truncating when nothing was played', async () => {
    fake = await startFakeRealtime();
    session = await new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1' }).connect(connectOptions);
    const events = collect(session);
    const conn = fake.connections[0]!;
    await conn.send({ type: 'response.created', response: { id: 'r' } });
    await conn.send({ type: 'response.output_audio.delta', response_id: 'r', item_id: 'item_X', delta: 'AAAA' });
    await until(() => events.length === 1);
    session.interrupt(0);
    expect(await conn.waitForJson((m: { type: string }) => m.type === 'conversation.item.delete')).toEqual({
      type: 'conversation.item.delete',
      item_id: 'item_X',
    });
  });

  it('assembles a function call, then answers with function_call_output and response.create', async () => {
    fake = await startFakeRealtime();
    const tools = [{ name: 'book_table', description: 'Book a table', parameters: { type: 'object', properties: { day: { type: 'string' } } } }];
    session = await new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1' }).connect({ ...connectOptions, tools });
    const conn = fake.connections[0]!;
    expect((await sessionUpdate(conn)).session.tools).toEqual([{ type: 'function', ...tools[0] }]);
    const events = collect(session);
    await conn.send({ type: 'response.created', response: { id: 'r1' } });
    await conn.send({ type: 'response.output_item.added', response_id: 'r1', item: { type: 'function_call', id: 'it', call_id: 'call_1', name: 'book_table', arguments: '' } });
    await conn.send({ type: 'response.function_call_arguments.delta', call_id: 'call_1', delta: '{"da' });
    await conn.send({ type: 'response.function_call_arguments.delta', call_id: 'call_1', delta: 'y":"Monday"}' });
    await conn.send({ type: 'response.function_call_arguments.done', call_id: 'call_1', arguments: '{"day":"Monday"}' });
    await until(() => events.some((e) => e.type === 'toolCall'));
    expect(events.find((e) => e.type === 'toolCall')).toEqual({
      type: 'toolCall',
      call: { id: 'call_1', name: 'book_table', arguments: '{"day":"Monday"}' },
    });
    session.sendToolResult('call_1', '{"ok":true}');
    await conn.waitForJson((m: { type: string }) => m.type === 'response.create');
    const tail = conn.jsonMessages<Record<string, unknown>>().slice(-2);
    expect(tail).toEqual([
      { type: 'conversation.item.create', item: { type: 'function_call_output', call_id: 'call_1', output: '{"ok":true}' } },
      { type: 'response.create' },
    ]);
  });

  it('speaks the first message verbatim through response.create, not as a user message', async () => {
    fake = await startFakeRealtime();
    session = await new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1' }).connect({
      ...connectOptions,
      firstMessage: 'Acme, how can I help?',
    });
    const conn = fake.connections[0]!;
    const create = await conn.waitForJson<{ type: string; response: { instructions: string } }>((m) => m.type === 'response.create');
    expect(create.response.instructions).toContain('"Acme, how can I help?"');
    expect(conn.jsonMessages<{ type: string }>().some((m) => m.type === 'conversation.item.create')).toBe(false);
  });

  it('names beta_api_shape_disabled when a server refuses the session that way', async () => {
    const { FakeWebSocketServer } = await import('@patter/testing');
    fake = await FakeWebSocketServer.start({
      onConnection: async (conn) => {
        await conn.send({ type: 'error', error: { type: 'invalid_request_error', code: 'beta_api_shape_disabled', message: 'no beta' } });
        await conn.close(4000, 'beta');
      },
    });
    const error = await new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1' }).connect(connectOptions).catch((e: unknown) => e);
    expect((error as Error).message).toContain('beta_api_shape_disabled');
  });

  it('names the parameter when the server rejects an unknown one', async () => {
    const { FakeWebSocketServer } = await import('@patter/testing');
    fake = await FakeWebSocketServer.start({
      onConnection: async (conn) => {
        await conn.waitForJson((m: { type: string }) => m.type === 'session.update');
        await conn.send({ type: 'error', error: { type: 'invalid_request_error', code: 'unknown_parameter', message: 'Unknown parameter', param: 'session.reasoning' } });
      },
    });
    const error = await new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1' }).connect(connectOptions).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/unknown session parameter "session\.reasoning"/);
  });

  it('fails fast, naming the code, when the server refuses the session.update with any error', async () => {
    const { FakeWebSocketServer } = await import('@patter/testing');
    fake = await FakeWebSocketServer.start({
      onConnection: async (conn) => {
        await conn.waitForJson((m: { type: string }) => m.type === 'session.update');
        await conn.send({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_value', message: "Invalid value: 'ash'.", param: 'session.audio.output.voice' } });
      },
    });
    const started = Date.now();
    const error = await new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1', voice: 'ash', connectTimeoutMs: 5_000 })
      .connect(connectOptions)
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((error as Error).message).toMatch(/server error invalid_value: Invalid value: 'ash'\./);
  });

  it('names close 4000 when the server closes before agreeing the session', async () => {
    const { FakeWebSocketServer } = await import('@patter/testing');
    fake = await FakeWebSocketServer.start({
      onConnection: async (conn) => {
        await conn.waitForJson((m: { type: string }) => m.type === 'session.update');
        await conn.close(4000, 'refused');
      },
    });
    const error = await new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1' }).connect(connectOptions).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect((error as Error).message).toMatch(/close 4000: refused/);
  });

  it('ends the event stream with a fatal error when the socket drops mid-call, and survives malformed JSON', async () => {
    fake = await startFakeRealtime();
    session = await new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1' }).connect(connectOptions);
    const conn = fake.connections[0]!;
    const events: EngineEvent[] = [];
    const done = (async () => {
      for await (const e of session!.events()) events.push(e);
    })();
    await conn.send('{not json');
    await conn.send({ type: 'input_audio_buffer.speech_started' });
    await until(() => events.length === 1);
    await conn.terminate();
    await done;
    expect(events[0]).toEqual({ type: 'speechStarted' });
    expect(events[1]).toMatchObject({ type: 'error', fatal: true });
    expect((events[1] as { error: Error }).error.message).toMatch(/connection closed unexpectedly/);
  });

  it('refuses a 401 without retrying and names OPENAI_API_KEY', async () => {
    fake = await startFakeRealtime({ apiKey: 'right' });
    const error = await new OpenAIRealtime({ apiKey: 'wrong', baseUrl: fake.httpUrl + '/v1' }).connect(connectOptions).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect((error as Error).message).toContain('OPENAI_API_KEY');
    expect(fake.upgrades).toHaveLength(1);
  });
});

describe('options', () => {
  it('rejects an unknown voice and a bad reasoning effort at construction, naming the option', () => {
    expect(() => new OpenAIRealtime({ apiKey: 'k', voice: 'fable' as 'alloy' })).toThrow(ConfigError);
    expect(() => new OpenAIRealtime({ apiKey: 'k', voice: 'nobody' as 'alloy' })).toThrow(/^voice: unknown voice "nobody"/);
    expect(() => new OpenAIRealtime({ apiKey: 'k', reasoningEffort: 'max' as 'low' })).toThrow(/^reasoningEffort: must be one of/);
    expect(new OpenAIRealtime2({ apiKey: 'k', voice: 'marin' }).model).toBe('gpt-realtime-2');
  });

  it('names OPENAI_API_KEY when no key is given', () => {
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      expect(() => Realtime()).toThrow(/OPENAI_API_KEY/);
      expect(() => Realtime2()).toThrow(ConfigError);
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
    }
  });

  it('accepts any model id', () => {
    expect(new OpenAIRealtime({ apiKey: 'k', model: 'my-proxy-model' }).model).toBe('my-proxy-model');
  });
});
