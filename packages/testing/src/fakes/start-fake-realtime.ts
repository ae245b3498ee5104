import { FakeWebSocketServer } from './fake-web-socket-server.js';
import type { FakeWebSocketConnection } from './fake-web-socket-connection.js';

/** GA built-in voices (protocols/openai.md a.2); a custom voice is an object `{ id }`. */
const VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar'];
/** Beta-only `session.update` fields: the GA server rejects them as unknown parameters. */
const BETA_FIELDS = ['modalities', 'input_audio_format', 'output_audio_format', 'input_audio_transcription', 'voice', 'turn_detection'];

/** Client events the GA WebSocket endpoint accepts (`output_audio_buffer.clear` is WebRTC/SIP only). */
const CLIENT_EVENTS = new Set([
  'session.update',
  'input_audio_buffer.append',
  'input_audio_buffer.commit',
  'input_audio_buffer.clear',
  'conversation.item.create',
  'conversation.item.retrieve',
  'conversation.item.truncate',
  'conversation.item.delete',
  'response.create',
  'response.cancel',
]);

/** What the fake tracks per connection once the session is configured. */
export interface FakeRealtimeState {
  /** Caller audio received through `input_audio_buffer.append`, decoded, in order. */
  readonly appended: Buffer[];
  /** Assistant items the fake spoke: item id → ms of audio generated (at the agreed output format). */
  readonly items: Map<string, number>;
  /** The response in progress (between `response.created` and `response.done`), if any. */
  activeResponse: string | undefined;
  /** Bytes per ms of the agreed output format. */
  outputBytesPerMs: number;
  /** Codes of the `error` events the fake answered client events with, in order. */
  readonly errors: string[];
  /** `conversation.item.truncated` the fake confirmed: item id → audio_end_ms. */
  readonly truncated: Map<string, number>;
  /** Items the client added with a valid `conversation.item.create`, in order. */
  readonly created: Record<string, any>[];
}

const states = new WeakMap<FakeWebSocketConnection, FakeRealtimeState>();
const waiters = new WeakMap<FakeWebSocketConnection, ((state: FakeRealtimeState) => void)[]>();

/**
 * A loopback fake of OpenAI's GA Realtime WebSocket endpoint, as strict as the real one on what
 * these tests rely on: path `/v1/realtime`, `?model=`, `Authorization: Bearer`, the beta header
 * refused with `beta_api_shape_disabled` + close 4000, `session.created` on connect, beta-shaped
 * `session.update` fields rejected as `unknown_parameter`, a voice that is not built in refused
 * (`invalid_value`), `reasoning` / `parallel_tool_calls` refused for models that are not reasoning
 * ones (`gpt-realtime-2*`; `unsupported_parameter`), and `session.updated` echoing the
 * config (optionally with formats of its own choosing, as GA models have been seen to do).
 * After that, every client event is checked like the server does: unknown types, an `append`
 * without base64 audio, a truncate past the audio generated for the item, a delete of an
 * unknown item and a cancel with no response in progress are answered with `error`.
 */
export async function startFakeRealtime(
  options: { readonly agreeFormat?: Record<string, unknown>; readonly apiKey?: string } = {},
): Promise<FakeWebSocketServer> {
  const apiKey = options.apiKey ?? 'sk-test';
  return FakeWebSocketServer.start({
    path: '/v1/realtime',
    onUpgrade: (req) => {
      if (req.headers.authorization !== `Bearer ${apiKey}`) {
        return { reject: { status: 401, body: '{"error":{"code":"invalid_api_key"}}' } };
      }
      if (!req.query.get('model')) return { reject: { status: 400, body: 'missing model' } };
      return undefined;
    },
    onConnection: async (conn) => {
      if (conn.headers['openai-beta'] !== undefined) {
        await conn.send({
          type: 'error',
          error: {
            type: 'invalid_request_error',
            code: 'beta_api_shape_disabled',
            message: 'The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.',
            param: null,
          },
        });
        await conn.close(4000, 'beta_api_shape_disabled');
        return;
      }
      await conn.send({ type: 'session.created', event_id: 'evt_1', session: { type: 'realtime', model: conn.query.get('model') } });
      const update = await conn.waitForJson<{ type: string; session: Record<string, any> }>((m) => m.type === 'session.update');
      const beta = BETA_FIELDS.find((field) => field in update.session);
      if (beta || update.session.type !== 'realtime') {
        await conn.send(invalid('unknown_parameter', `Unknown parameter: 'session.${beta ?? 'type'}'.`, `session.${beta ?? 'type'}`));
        return;
      }
      const voice: unknown = update.session.audio?.output?.voice;
      if (voice !== undefined && !(typeof voice === 'object' && voice !== null) && !VOICES.includes(String(voice))) {
        await conn.send(invalid('invalid_value', `Invalid value: '${String(voice)}'. Supported values are: ${VOICES.join(', ')}.`, 'session.audio.output.voice'));
        return;
      }
      const model = String(update.session.model ?? conn.query.get('model'));
      for (const field of ['reasoning', 'parallel_tool_calls']) {
        if (field in update.session && !model.startsWith('gpt-realtime-2')) {
          await conn.send(invalid('unsupported_parameter', `Unsupported parameter: 'session.${field}' is not supported with this model.`, `session.${field}`));
          return;
        }
      }
      const session = structuredClone(update.session);
      if (options.agreeFormat) {
        session.audio.input.format = options.agreeFormat;
        session.audio.output.format = options.agreeFormat;
      }
      const state: FakeRealtimeState = {
        appended: [],
        items: new Map(),
        activeResponse: undefined,
        outputBytesPerMs: session.audio?.output?.format?.type === 'audio/pcm' ? 48 : 8,
        errors: [],
        truncated: new Map(),
        created: [],
      };
      states.set(conn, state);
      for (const resolve of waiters.get(conn) ?? []) resolve(state);
      waiters.delete(conn);
      // The client sends nothing else before `session.updated`, so listening from here sees everything.
      conn.socket.on('message', (data, isBinary) => void checkClientEvent(conn, state, isBinary ? undefined : String(data)));
      await conn.send({ type: 'session.updated', event_id: 'evt_2', session: { object: 'realtime.session', id: 'sess_1', ...session } });
    },
  });
}

function invalid(code: string, message: string, param: string | null = null): Record<string, unknown> {
  return { type: 'error', error: { type: 'invalid_request_error', code, message, param } };
}

async function checkClientEvent(conn: FakeWebSocketConnection, state: FakeRealtimeState, text: string | undefined): Promise<void> {
  const reply = async (answer: Record<string, any>): Promise<void> => {
    if (answer.type === 'error') state.errors.push(String(answer.error.code));
    await conn.send(answer);
  };
  let event: Record<string, any>;
  try {
    event = JSON.parse(text ?? '') as Record<string, any>;
  } catch {
    await reply(invalid('invalid_json', 'The server could not parse the event as JSON.'));
    return;
  }
  const type = event.type;
  if (typeof type !== 'string' || !CLIENT_EVENTS.has(type)) {
    await reply(invalid('invalid_value', `Invalid value: '${String(type)}'. Supported values are: ${[...CLIENT_EVENTS].join(', ')}.`, 'type'));
    return;
  }
  switch (type) {
    case 'input_audio_buffer.append':
      if (typeof event.audio !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(event.audio)) {
        await reply(invalid('invalid_value', 'Invalid base64 audio.', 'audio'));
        return;
      }
      state.appended.push(Buffer.from(event.audio, 'base64'));
      return;
    case 'conversation.item.truncate': {
      const generated = state.items.get(event.item_id);
      if (generated === undefined) return void (await reply(invalid('item_not_found', `Item ${event.item_id} not found.`, 'item_id')));
      if (event.content_index !== 0 || !Number.isInteger(event.audio_end_ms) || event.audio_end_ms < 0 || event.audio_end_ms > generated) {
        await reply(invalid('invalid_value', `Audio content of ${generated}ms is already shorter than ${event.audio_end_ms}ms`, 'audio_end_ms'));
        return;
      }
      state.truncated.set(event.item_id, event.audio_end_ms);
      await reply({ type: 'conversation.item.truncated', item_id: event.item_id, content_index: 0, audio_end_ms: event.audio_end_ms });
      return;
    }
    case 'conversation.item.create': {
      const problem = itemProblem(event.item);
      if (problem) return void (await reply(invalid('invalid_value', problem, 'item')));
      state.created.push(event.item);
      const item = { id: `item_c${state.created.length}`, object: 'realtime.item', status: 'completed', ...event.item };
      await reply({ type: 'conversation.item.added', previous_item_id: null, item });
      await reply({ type: 'conversation.item.done', previous_item_id: null, item });
      return;
    }
    case 'conversation.item.delete':
      if (!state.items.delete(event.item_id)) return void (await reply(invalid('item_not_found', `Item ${event.item_id} not found.`, 'item_id')));
      await reply({ type: 'conversation.item.deleted', item_id: event.item_id });
      return;
    case 'response.cancel': {
      const active = state.activeResponse;
      if (active === undefined) {
        await reply(invalid('response_cancel_not_active', 'Cancellation failed: no active response found'));
        return;
      }
      state.activeResponse = undefined;
      await reply({ type: 'response.done', response: { id: active, object: 'realtime.response', status: 'cancelled', status_details: { type: 'cancelled', reason: 'client_cancelled' } } });
      return;
    }
    default:
      return;
  }
}

/**
 * What the server would refuse in a created item: GA message parts are `input_text` (or
 * `input_audio`) for user and system messages and `output_text` for assistant ones (the beta
 * `text` is gone); a function call output needs its `call_id` and a string `output`.
 */
function itemProblem(item: Record<string, any> | undefined): string | undefined {
  if (item?.type === 'function_call_output') {
    return typeof item.call_id === 'string' && typeof item.output === 'string' ? undefined : 'function_call_output needs call_id and output';
  }
  if (item?.type !== 'message') return `Invalid item type: '${String(item?.type)}'.`;
  const parts: Record<string, string> = { user: 'input_text', system: 'input_text', assistant: 'output_text' };
  const expected = parts[String(item.role)];
  if (!expected) return `Invalid role: '${String(item.role)}'.`;
  if (!Array.isArray(item.content) || item.content.length === 0) return 'A message needs content.';
  for (const part of item.content as Record<string, unknown>[]) {
    const ok = (part.type === expected && typeof part.text === 'string') || (expected === 'input_text' && part.type === 'input_audio');
    if (!ok) return `Invalid content type '${String(part.type)}' for a ${String(item.role)} message.`;
  }
  return undefined;
}

/** The fake's view of one connection (after `session.updated`). */
export function realtimeState(conn: FakeWebSocketConnection): FakeRealtimeState {
  const state = states.get(conn);
  if (!state) throw new TypeError('the session of this connection is not configured yet');
  return state;
}

/** The fake's view of one connection, once its session is configured. */
export function configuredState(conn: FakeWebSocketConnection): Promise<FakeRealtimeState> {
  const state = states.get(conn);
  if (state) return Promise.resolve(state);
  return new Promise((resolve) => waiters.set(conn, [...(waiters.get(conn) ?? []), resolve]));
}

/** Caller audio the connection received so far, decoded. */
export function appendedAudio(conn: FakeWebSocketConnection): Uint8Array {
  const state = states.get(conn);
  return state ? new Uint8Array(Buffer.concat(state.appended)) : new Uint8Array(0);
}

/** Starts a response with one assistant audio item, as the server does before any delta. */
export async function beginResponse(conn: FakeWebSocketConnection, responseId: string, itemId: string): Promise<void> {
  const state = await configuredState(conn);
  state.activeResponse = responseId;
  state.items.set(itemId, 0);
  await conn.send({ type: 'response.created', response: { id: responseId, object: 'realtime.response', status: 'in_progress' } });
  await conn.send({
    type: 'response.output_item.added',
    response_id: responseId,
    output_index: 0,
    item: { id: itemId, object: 'realtime.item', type: 'message', role: 'assistant', status: 'in_progress', content: [] },
  });
}

/** Sends agent audio (bytes in the agreed output format) as one delta, counting its duration on the item. */
export async function sendAudioDelta(conn: FakeWebSocketConnection, responseId: string, itemId: string, audio: Uint8Array): Promise<void> {
  await conn.send(audioDelta(conn, responseId, itemId, audio));
}

/** The `response.output_audio.delta` event for `audio`, its duration counted on the item (for `sendInOneRead`). */
export function audioDelta(conn: FakeWebSocketConnection, responseId: string, itemId: string, audio: Uint8Array): Record<string, unknown> {
  const state = realtimeState(conn);
  state.items.set(itemId, (state.items.get(itemId) ?? 0) + audio.byteLength / state.outputBytesPerMs);
  const delta = Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength).toString('base64');
  return { type: 'response.output_audio.delta', response_id: responseId, item_id: itemId, output_index: 0, content_index: 0, delta };
}

/**
 * Sends several server events in one TCP write, so the client reads them in one socket read and
 * parses them all in the same tick (as when the server had them ready together), before any
 * of its asynchronous code runs.
 */
export function sendInOneRead(conn: FakeWebSocketConnection, events: readonly Record<string, unknown>[]): void {
  // `ws` exposes no cork; its TCP socket is the documented-internal `_socket`.
  const tcp = (conn.socket as unknown as { _socket?: import('node:net').Socket })._socket;
  tcp?.cork();
  for (const event of events) conn.socket.send(JSON.stringify(event));
  tcp?.uncork();
}

/** Ends the response in progress (`response.done`, completed, with usage). */
export async function endResponse(conn: FakeWebSocketConnection, responseId: string): Promise<void> {
  const state = realtimeState(conn);
  if (state.activeResponse !== responseId) return;
  state.activeResponse = undefined;
  await conn.send({
    type: 'response.done',
    response: {
      id: responseId,
      object: 'realtime.response',
      status: 'completed',
      usage: { input_tokens: 100, output_tokens: 20, input_token_details: { audio_tokens: 40 }, output_token_details: { audio_tokens: 15 } },
    },
  });
}

/** Waits for the client's `session.update` and returns the whole event. */
export function sessionUpdate(conn: FakeWebSocketConnection): Promise<{ type: string; session: Record<string, any> }> {
  return conn.waitForJson<{ type: string; session: Record<string, any> }>((m) => m.type === 'session.update');
}
