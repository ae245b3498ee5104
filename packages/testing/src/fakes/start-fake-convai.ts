import { FakeHttpServer } from './fake-http-server.js';
import type { FakeWebSocketConnection } from './fake-web-socket-connection.js';
import { FakeWebSocketServer } from './fake-web-socket-server.js';

/** Agent audio formats ElevenLabs Conversational AI announces. */
export type ConvAIAudioFormat = 'pcm_8000' | 'pcm_16000' | 'pcm_22050' | 'pcm_24000' | 'pcm_44100' | 'pcm_48000' | 'ulaw_8000';

/** Client messages the conversation socket accepts (besides `{user_audio_chunk}`, which has no type). */
const CLIENT_TYPES = new Set(['conversation_initiation_client_data', 'pong', 'client_tool_result', 'contextual_update', 'user_message', 'user_activity']);

export interface FakeConvAIOptions {
  /** The format announced for both directions (default `ulaw_8000`). */
  readonly format?: ConvAIAudioFormat;
  readonly apiKey?: string;
  readonly agentId?: string;
}

/** What the fake saw on one conversation socket. */
export interface FakeConvAIConversation {
  readonly conn: FakeWebSocketConnection;
  /** The `conversation_initiation_client_data` message. */
  readonly initiation: Record<string, any>;
  /** Caller audio received (`user_audio_chunk`, decoded), in order. */
  readonly audio: Buffer[];
  readonly pongs: number[];
  readonly toolResults: { readonly tool_call_id: string; readonly result: string; readonly is_error: boolean }[];
  /** The next server `event_id`. */
  nextEventId: number;
}

export interface FakeConvAI {
  /** REST base URL to give `ElevenLabsConvAI` (`baseUrl`). */
  readonly baseUrl: string;
  readonly rest: FakeHttpServer;
  readonly socket: FakeWebSocketServer;
  /** Conversations whose initiation was accepted, oldest first. */
  readonly conversations: FakeConvAIConversation[];
  close(): Promise<void>;
}

const conversations = new WeakMap<FakeWebSocketConnection, FakeConvAIConversation>();

/**
 * A loopback fake of ElevenLabs Conversational AI, as strict as the vendor on what the engine
 * relies on: `GET /v1/convai/conversation/get-signed-url?agent_id=` with `xi-api-key` answers a
 * signed socket URL; the socket accepts only that URL's token; the first message must be
 * `conversation_initiation_client_data` (anything else, or a malformed or unknown message later,
 * closes with 1008); then `conversation_initiation_metadata` announces the agent's formats.
 */
export async function startFakeConvAI(options: FakeConvAIOptions = {}): Promise<FakeConvAI> {
  const format = options.format ?? 'ulaw_8000';
  const apiKey = options.apiKey ?? 'test-key';
  const agentId = options.agentId ?? 'agent_test';
  const accepted: FakeConvAIConversation[] = [];
  let tokens = 0;
  const issued = new Set<string>();
  const socket = await FakeWebSocketServer.start({
    path: '/v1/convai/conversation',
    onUpgrade: (req) => {
      const token = req.query.get('token');
      if (req.query.get('agent_id') !== agentId || token === null || !issued.delete(token)) return { reject: { status: 403 } };
      return undefined;
    },
    onConnection: async (conn) => {
      const first = await conn.nextMessage().catch(() => undefined);
      let initiation: Record<string, any> | undefined;
      try {
        initiation = typeof first?.data === 'string' ? (JSON.parse(first.data) as Record<string, any>) : undefined;
      } catch {
        initiation = undefined;
      }
      if (initiation?.type !== 'conversation_initiation_client_data') {
        await conn.close(1008, 'expected conversation_initiation_client_data');
        return;
      }
      const conversation: FakeConvAIConversation = { conn, initiation, audio: [], pongs: [], toolResults: [], nextEventId: 1 };
      conversations.set(conn, conversation);
      conn.socket.on('message', (data, isBinary) => void onClientMessage(conversation, isBinary ? undefined : String(data)));
      accepted.push(conversation);
      await conn.send({
        type: 'conversation_initiation_metadata',
        conversation_initiation_metadata_event: {
          conversation_id: `conv_${accepted.length}`,
          agent_output_audio_format: format,
          user_input_audio_format: format,
        },
      });
    },
  });
  const rest = await FakeHttpServer.start((req, res) => {
    if (req.method !== 'GET' || req.path !== '/v1/convai/conversation/get-signed-url') return res.json(404, { detail: 'Not Found' });
    if (req.header('xi-api-key') !== apiKey) return res.json(401, { detail: { status: 'invalid_api_key', message: 'Invalid API key' } });
    if (req.query.get('agent_id') !== agentId) return res.json(404, { detail: { status: 'agent_not_found' } });
    const token = `signed-${++tokens}`;
    issued.add(token);
    return res.json(200, { signed_url: `${socket.url}/v1/convai/conversation?agent_id=${agentId}&token=${token}` });
  });
  return {
    baseUrl: rest.url,
    rest,
    socket,
    conversations: accepted,
    async close() {
      await socket.close();
      await rest.close();
    },
  };
}

async function onClientMessage(conversation: FakeConvAIConversation, text: string | undefined): Promise<void> {
  let message: Record<string, any>;
  try {
    message = JSON.parse(text ?? '') as Record<string, any>;
  } catch {
    await conversation.conn.close(1008, 'invalid message');
    return;
  }
  if (message.type === undefined && typeof message.user_audio_chunk === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(message.user_audio_chunk)) {
    conversation.audio.push(Buffer.from(message.user_audio_chunk, 'base64'));
    return;
  }
  if (!CLIENT_TYPES.has(message.type) || message.type === 'conversation_initiation_client_data') {
    await conversation.conn.close(1008, 'invalid message');
    return;
  }
  if (message.type === 'pong') conversation.pongs.push(Number(message.event_id));
  if (message.type === 'client_tool_result') {
    if (typeof message.tool_call_id !== 'string' || typeof message.result !== 'string' || typeof message.is_error !== 'boolean') {
      await conversation.conn.close(1008, 'invalid client_tool_result');
      return;
    }
    conversation.toolResults.push({ tool_call_id: message.tool_call_id, result: message.result, is_error: message.is_error });
  }
}

/** The fake's view of one accepted conversation socket. */
export function convaiConversation(conn: FakeWebSocketConnection): FakeConvAIConversation | undefined {
  return conversations.get(conn);
}

/** Agent audio (bytes in the announced format) as one `audio` event; returns its event id. */
export async function sendConvAIAudio(conversation: FakeConvAIConversation, audio: Uint8Array, eventId = conversation.nextEventId++): Promise<number> {
  const audio_base_64 = Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength).toString('base64');
  await conversation.conn.send({ type: 'audio', audio_event: { audio_base_64, event_id: eventId } });
  return eventId;
}
