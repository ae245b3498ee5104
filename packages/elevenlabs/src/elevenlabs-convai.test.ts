import { ConfigError, MULAW_8K, PCM16_16K, type EngineEvent, type EngineSession } from '@patter/core';
import { FakeHttpServer, FakeWebSocketServer, sendInOneRead } from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { REPLY_QUIET_MS } from './convai-session.js';
import { ElevenLabsConvAI } from './index.js';

let rest: FakeHttpServer | undefined;
let socket: FakeWebSocketServer | undefined;
let session: EngineSession | undefined;

afterEach(async () => {
  await session?.close();
  await socket?.close();
  await rest?.close();
  session = rest = socket = undefined;
});

/** The signed-URL REST endpoint plus the conversation socket, announcing the given formats. */
async function startConvAI(format: string, withMetadata: Record<string, unknown>[] = []): Promise<{ baseUrl: string }> {
  socket = await FakeWebSocketServer.start({
    path: '/v1/convai/conversation',
    onUpgrade: (req) => (req.query.get('token') === 'signed-123' ? undefined : { reject: { status: 403 } }),
    onConnection: async (conn) => {
      await conn.waitForJson((m: { type?: string }) => m.type === 'conversation_initiation_client_data');
      const metadata = {
        type: 'conversation_initiation_metadata',
        conversation_initiation_metadata_event: { conversation_id: 'conv_1', agent_output_audio_format: format, user_input_audio_format: format },
      };
      // `withMetadata`: messages the server had ready right after it, read in the same socket read.
      sendInOneRead(conn, [metadata, ...withMetadata]);
    },
  });
  const wsUrl = socket.url;
  rest = await FakeHttpServer.start((req, res) => {
    if (req.path !== '/v1/convai/conversation/get-signed-url') return res.send(404);
    if (req.header('xi-api-key') !== 'test-key') return res.send(401);
    return res.json(200, { signed_url: `${wsUrl}/v1/convai/conversation?agent_id=${req.query.get('agent_id')}&token=signed-123` });
  });
  return { baseUrl: rest.url };
}

function collect(s: EngineSession): EngineEvent[] {
  const events: EngineEvent[] = [];
  void (async () => {
    for await (const e of s.events()) events.push(e);
  })();
  return events;
}

async function until(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const connect = { instructions: 'You book tables for {restaurant}.', firstMessage: 'Hello there.', tools: [], carrierFormat: MULAW_8K, variables: { user_name: 'Ann' } };

describe('ElevenLabsConvAI', () => {
  it('connects through a signed URL and sends the initiation overrides', async () => {
    const { baseUrl } = await startConvAI('ulaw_8000');
    session = await new ElevenLabsConvAI({ apiKey: 'test-key', agentId: 'agent_1', voice: 'voice_9', baseUrl }).connect(connect);
    expect(rest!.requests[0]!.query.get('agent_id')).toBe('agent_1');
    const conn = socket!.connections[0]!;
    expect(conn.query.get('agent_id')).toBe('agent_1');
    expect(conn.jsonMessages()[0]).toEqual({
      type: 'conversation_initiation_client_data',
      conversation_config_override: {
        agent: { prompt: { prompt: 'You book tables for {restaurant}.' }, first_message: 'Hello there.' },
        tts: { voice_id: 'voice_9' },
      },
      dynamic_variables: { user_name: 'Ann' },
    });
  });

  it('takes the formats the agent announces: ulaw_8000 and pcm_16000', async () => {
    const { baseUrl } = await startConvAI('ulaw_8000');
    session = await new ElevenLabsConvAI({ apiKey: 'test-key', agentId: 'a', baseUrl }).connect(connect);
    expect([session.inputFormat, session.outputFormat]).toEqual([MULAW_8K, MULAW_8K]);
    await session.close();
    await socket!.close();
    await rest!.close();
    const second = await startConvAI('pcm_16000');
    session = await new ElevenLabsConvAI({ apiKey: 'test-key', agentId: 'a', baseUrl: second.baseUrl }).connect(connect);
    expect([session.inputFormat, session.outputFormat]).toEqual([PCM16_16K, PCM16_16K]);
  });

  it('refuses an agent format it cannot convert, naming it, and closes the socket', async () => {
    const { baseUrl } = await startConvAI('mp3_44100_128');
    const error = await new ElevenLabsConvAI({ apiKey: 'test-key', agentId: 'a', baseUrl }).connect(connect).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^user_input_audio_format: unsupported format "mp3_44100_128"/);
    await socket!.connections[0]!.closed;
    expect(socket!.connections[0]!.closeInfo).toBeDefined();
  });

  it('answers pings, sends caller audio, reports transcripts, and drops audio older than an interruption', async () => {
    const { baseUrl } = await startConvAI('ulaw_8000');
    session = await new ElevenLabsConvAI({ apiKey: 'test-key', agentId: 'a', baseUrl }).connect(connect);
    const events = collect(session);
    const conn = socket!.connections[0]!;
    await conn.send({ type: 'ping', ping_event: { event_id: 1, ping_ms: null } });
    expect(await conn.waitForJson((m: { type?: string }) => m.type === 'pong')).toEqual({ type: 'pong', event_id: 1 });
    session.sendAudio(Buffer.from('//////////8=', 'base64'));
    expect(await conn.waitForJson((m: { user_audio_chunk?: string }) => m.user_audio_chunk !== undefined)).toEqual({ user_audio_chunk: '//////////8=' });
    await conn.send({ type: 'user_transcript', user_transcription_event: { user_transcript: 'A table please', event_id: 1 } });
    await conn.send({ type: 'agent_response', agent_response_event: { agent_response: 'Hello there.', event_id: 2 } });
    await conn.send({ type: 'audio', audio_event: { audio_base_64: '//////////8=', event_id: 2 } });
    // The caller barges in (event 3): late audio of reply 2 is dropped; audio from event 3 on plays
    // (the vendor clients play a chunk when `lastInterruptTimestamp <= event_id`).
    await conn.send({ type: 'interruption', interruption_event: { event_id: 3 } });
    await conn.send({ type: 'audio', audio_event: { audio_base_64: 'AAAA', event_id: 2 } });
    await conn.send({ type: 'audio', audio_event: { audio_base_64: 'AQID', event_id: 3 } });
    await conn.send({ type: 'audio', audio_event: { audio_base_64: 'BAUG', event_id: 4 } });
    // The server then cuts the interrupted reply's text to what was heard.
    await conn.send({
      type: 'agent_response_correction',
      agent_response_correction_event: { original_agent_response: 'Hello there.', corrected_agent_response: 'Hello', event_id: 3 },
    });
    await until(() => events.some((e) => e.type === 'transcriptCorrection'));
    expect(events.map((e) => e.type)).toEqual(['transcript', 'transcript', 'audio', 'interruption', 'audio', 'audio', 'transcriptCorrection']);
    expect(events[6]).toEqual({ type: 'transcriptCorrection', original: 'Hello there.', corrected: 'Hello' });
    expect(events[0]).toEqual({ type: 'transcript', role: 'user', text: 'A table please', isFinal: true });
    expect(events[1]).toEqual({ type: 'transcript', role: 'assistant', text: 'Hello there.', isFinal: true });
    expect(Buffer.from((events[4] as { data: Uint8Array }).data)).toEqual(Buffer.from([1, 2, 3]));
    expect(Buffer.from((events[5] as { data: Uint8Array }).data)).toEqual(Buffer.from([4, 5, 6]));
  });

  it('reports a reply done once its audio has stopped coming for REPLY_QUIET_MS, not at its agent_response', async () => {
    const { baseUrl } = await startConvAI('ulaw_8000');
    session = await new ElevenLabsConvAI({ apiKey: 'test-key', agentId: 'a', baseUrl }).connect(connect);
    const events: { type: string; at: number }[] = [];
    void (async () => {
      for await (const e of session!.events()) events.push({ type: e.type, at: performance.now() });
    })();
    const conn = socket!.connections[0]!;
    await conn.send({ type: 'agent_response', agent_response_event: { agent_response: 'Hello there.', event_id: 2 } });
    // Audio keeps coming with gaps shorter than the quiet period: one reply.
    for (let i = 0; i < 4; i++) {
      await conn.send({ type: 'audio', audio_event: { audio_base_64: '//////////8=', event_id: 2 } });
      await new Promise((resolve) => setTimeout(resolve, REPLY_QUIET_MS / 5));
    }
    await until(() => events.some((e) => e.type === 'responseDone'), 3000);
    expect(events.map((e) => e.type)).toEqual(['transcript', 'audio', 'audio', 'audio', 'audio', 'responseDone']);
    expect(events[5]!.at - events[4]!.at).toBeGreaterThanOrEqual(REPLY_QUIET_MS - 5);
    // A reply that is only text is done after the same quiet period; an interruption ends a reply with no responseDone.
    await conn.send({ type: 'agent_response', agent_response_event: { agent_response: 'Anything else?', event_id: 3 } });
    await until(() => events.filter((e) => e.type === 'responseDone').length === 2, 3000);
    expect(events.at(-1)!.at - events.at(-2)!.at).toBeGreaterThanOrEqual(REPLY_QUIET_MS - 5);
    await conn.send({ type: 'audio', audio_event: { audio_base_64: '//////////8=', event_id: 4 } });
    await conn.send({ type: 'interruption', interruption_event: { event_id: 5 } });
    await new Promise((resolve) => setTimeout(resolve, REPLY_QUIET_MS * 2));
    expect(events.slice(-2).map((e) => e.type)).toEqual(['audio', 'interruption']);
  });

  it('keeps the agent messages that arrive in the same socket read as the metadata (the greeting)', async () => {
    const { baseUrl } = await startConvAI('ulaw_8000', [
      { type: 'agent_response', agent_response_event: { agent_response: 'Hello there.', event_id: 1 } },
      { type: 'audio', audio_event: { audio_base_64: 'AQID', event_id: 1 } },
    ]);
    session = await new ElevenLabsConvAI({ apiKey: 'test-key', agentId: 'a', baseUrl }).connect(connect);
    const events = collect(session);
    await until(() => events.length === 2);
    expect(events[0]).toEqual({ type: 'transcript', role: 'assistant', text: 'Hello there.', isFinal: true });
    expect(Buffer.from((events[1] as { data: Uint8Array }).data)).toEqual(Buffer.from([1, 2, 3]));
  });

  it('runs a client tool call round trip', async () => {
    const { baseUrl } = await startConvAI('pcm_16000');
    session = await new ElevenLabsConvAI({ apiKey: 'test-key', agentId: 'a', baseUrl }).connect(connect);
    const events = collect(session);
    const conn = socket!.connections[0]!;
    await conn.send({ type: 'client_tool_call', client_tool_call: { tool_name: 'book_table', tool_call_id: 't1', parameters: { party: 2 }, event_id: 4 } });
    await until(() => events.length === 1);
    expect(events[0]).toEqual({ type: 'toolCall', call: { id: 't1', name: 'book_table', arguments: '{"party":2}' } });
    session.sendToolResult('t1', '{"ok":true}');
    expect(await conn.waitForJson((m: { type?: string }) => m.type === 'client_tool_result')).toEqual({
      type: 'client_tool_result',
      tool_call_id: 't1',
      result: '{"ok":true}',
      is_error: false,
    });
  });

  it('reports a socket drop as a fatal error event', async () => {
    const { baseUrl } = await startConvAI('pcm_16000');
    session = await new ElevenLabsConvAI({ apiKey: 'test-key', agentId: 'a', baseUrl }).connect(connect);
    const events = collect(session);
    await socket!.connections[0]!.close(1011, 'internal');
    await until(() => events.length === 1);
    expect(events[0]).toMatchObject({ type: 'error', fatal: true });
  });

  it('fails at construction without an agent id or key, naming the option and env var', () => {
    const saved = { key: process.env.ELEVENLABS_API_KEY, agent: process.env.ELEVENLABS_AGENT_ID };
    delete process.env.ELEVENLABS_API_KEY;
    delete process.env.ELEVENLABS_AGENT_ID;
    try {
      expect(() => new ElevenLabsConvAI({ apiKey: 'k' })).toThrow(ConfigError);
      expect(() => new ElevenLabsConvAI({ apiKey: 'k' })).toThrow(/^agentId: .*ELEVENLABS_AGENT_ID/);
      expect(() => new ElevenLabsConvAI({ agentId: 'a' })).toThrow(/ELEVENLABS_API_KEY/);
    } finally {
      if (saved.key !== undefined) process.env.ELEVENLABS_API_KEY = saved.key;
      if (saved.agent !== undefined) process.env.ELEVENLABS_AGENT_ID = saved.agent;
    }
  });
});
