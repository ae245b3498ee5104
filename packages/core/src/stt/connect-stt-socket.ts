import { connectWebSocket, type WebSocket } from '../net/connect-web-socket.js';
import type { WebSocketSTTAdapter } from './web-socket-stt-adapter.js';

/** Dials the adapter's vendor socket (its URL, headers and subprotocols, keyed by its provider). */
export function connectSTTSocket(
  adapter: Pick<WebSocketSTTAdapter, 'provider' | 'request' | 'apiKeyEnv'>,
  options: { readonly timeoutMs: number; readonly signal?: AbortSignal | undefined },
): Promise<WebSocket> {
  const request = adapter.request();
  return connectWebSocket(request.url, {
    provider: adapter.provider,
    ...(request.headers ? { headers: request.headers } : {}),
    ...(request.protocols ? { protocols: request.protocols } : {}),
    ...(adapter.apiKeyEnv ? { apiKeyEnv: adapter.apiKeyEnv } : {}),
    timeoutMs: options.timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
