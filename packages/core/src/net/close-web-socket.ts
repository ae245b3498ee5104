import type WebSocket from 'ws';

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

/**
 * Ends a socket whose peer has sent its last message: its close frame usually follows in a later
 * read, so wait up to `peerWaitMs` for it (`ws` answers it by itself), then close with 1000
 * ourselves; the socket is terminated only if that close is not answered within `timeoutMs`.
 */
export async function closeAfterPeer(ws: WebSocket, peerClosed: Promise<void>, peerWaitMs = 1000, timeoutMs = 1000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([peerClosed, new Promise<void>((resolve) => (timer = setTimeout(resolve, peerWaitMs)))]);
  clearTimeout(timer);
  await closeWebSocket(ws, 1000, '', timeoutMs);
}
