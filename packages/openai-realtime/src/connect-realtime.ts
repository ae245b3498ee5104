import {
  ProviderTimeoutError,
  silentLogger,
  type AudioFormat,
  type EngineConnectOptions,
  type EngineTurn,
} from '@patter/core';
import {
  connectWebSocket,
  joinUrl,
  toWebSocketUrl,
  type WebSocket,
} from '@patter/core/plugin';
import { buildSessionUpdate } from './build-session-update.js';
import { OpenAIRealtimeSession } from './openai-realtime-session.js';
import { closedError, PROVIDER, realtimeError } from './realtime-error.js';
import type { ResolvedRealtimeOptions } from './realtime-options.js';

/**
 * Opens one call's Realtime socket: connect, send the GA `session.update`, wait for the
 * server's `session.updated` (reading back the formats it agreed), then restore the
 * conversation so far when resuming a dropped call, or speak the first message verbatim. A
 * refusal (`beta_api_shape_disabled`, bad key, unknown model …) rejects with a typed error
 * whose message says exactly what was refused.
 */
export async function connectRealtime(
  options: ResolvedRealtimeOptions,
  formats: { readonly input: AudioFormat; readonly output: AudioFormat },
  connect: EngineConnectOptions,
): Promise<OpenAIRealtimeSession> {
  const logger = (connect.logger ?? silentLogger).child({ provider: PROVIDER });
  const url = toWebSocketUrl(joinUrl(options.baseUrl, '/realtime', { model: options.model }));
  const ws = await connectWebSocket(url, {
    provider: PROVIDER,
    headers: { Authorization: `Bearer ${options.apiKey}` },
    timeoutMs: options.connectTimeoutMs,
    apiKeyEnv: 'OPENAI_API_KEY',
    ...(connect.signal ? { signal: connect.signal } : {}),
  });
  const configured = waitForSessionUpdated(ws, options.connectTimeoutMs);
  const session = new OpenAIRealtimeSession(ws, formats, logger, options.inputChunkMs);
  ws.send(
    JSON.stringify(
      buildSessionUpdate({
        options,
        instructions: connect.instructions,
        tools: connect.tools,
        inputFormat: formats.input,
        outputFormat: formats.output,
      }),
    ),
  );
  try {
    session.vendorId = await configured;
  } catch (error) {
    ws.terminate();
    throw error;
  }
  // A resumed call: the conversation so far, as text items, before anything else is said.
  for (const turn of connect.history ?? []) ws.send(JSON.stringify(historyItem(turn)));
  if (connect.firstMessage) session.say(connect.firstMessage);
  return session;
}

/** One turn of the conversation as a GA `conversation.item.create` (assistant text is `output_text`). */
function historyItem(turn: EngineTurn): Record<string, unknown> {
  const content = [{ type: turn.role === 'user' ? 'input_text' : 'output_text', text: turn.text }];
  return { type: 'conversation.item.create', item: { type: 'message', role: turn.role, content } };
}

/** Resolves with the session's id (`sess_…`, from `session.created` or `session.updated`) when the server sent one. */
function waitForSessionUpdated(ws: WebSocket, timeoutMs: number): Promise<string | undefined> {
  let id: string | undefined;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new ProviderTimeoutError(PROVIDER, 'no session.updated from the server')), timeoutMs);
    const onMessage = (data: unknown, isBinary: boolean) => {
      if (isBinary) return;
      let event: { type?: string; session?: { id?: unknown }; error?: Parameters<typeof realtimeError>[0] };
      try {
        event = JSON.parse(String(data));
      } catch {
        return;
      }
      if ((event.type === 'session.created' || event.type === 'session.updated') && typeof event.session?.id === 'string') id = event.session.id;
      if (event.type === 'session.updated') finish();
      // Nothing but the `session.update` has been sent: any error is its refusal (an unknown
      // parameter, a voice the model does not have, the beta shape …), named by its code.
      else if (event.type === 'error') finish(realtimeError(event.error).error);
    };
    const onClose = (code: number, reason: Buffer) => finish(closedError(code, reason.toString()));
    const finish = (error?: Error) => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      if (error) reject(error);
      else resolve(id);
    };
    ws.on('message', onMessage);
    ws.on('close', onClose);
  });
}
