import type { WebSocket } from './connect-web-socket.js';

/**
 * Closes a socket politely (close frame with `code`/`reason`) and resolves once it is closed;
 * a peer that does not answer within `timeoutMs` gets the socket terminated. No timer outlives
 * the call.
 */
export async function closeWebSocket(ws: WebSocket, code = 1000, reason = '', timeoutMs = 2000): Promise<void> {
  if (ws.readyState === 3) return;
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  if (ws.readyState === 0) ws.terminate();
  else if (ws.readyState === 1) ws.close(code, reason);
  const timer = setTimeout(() => ws.terminate(), timeoutMs);
  await closed;
  clearTimeout(timer);
}
