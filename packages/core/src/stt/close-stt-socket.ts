import type { Logger } from '../log/logger.js';
import { closeAfterPeer, closeWebSocket } from '../net/close-web-socket.js';
import { WebSocket } from '../net/connect-web-socket.js';
import { delay } from '../util/abort.js';
import type { WebSocketSTTAdapter, WebSocketSTTSignal } from './web-socket-stt-adapter.js';

/** After the vendor's last message, how long its close frame may take before we close (1000). */
const PEER_CLOSE_WAIT_MS = 1000;
/** How long our own close (1000) may wait for the vendor's answer before the socket is terminated. */
export const CLOSE_HANDSHAKE_MS = 1000;

export interface CloseSTTSocketOptions {
  /** Bound for the adapter's close sequence and the vendor's answer to it. */
  readonly timeoutMs: number;
  /** Settles when the socket closed. */
  readonly socketClosed: Promise<void>;
  /** Binary audio messages sent on this socket so far. */
  readonly audioMessagesSent: () => number;
  /** Resolves true when the adapter raises `signal`, false after `ms` or when the socket closes. */
  readonly waitFor: (signal: WebSocketSTTSignal, ms: number) => Promise<boolean>;
  /** Aborts the wait (the stream ended). */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/**
 * Ends an open vendor socket gracefully: the adapter's close sequence runs (what the vendor needs
 * to send its last results), then the vendor's close or `done` is awaited within `timeoutMs`.
 * When the vendor answered, its close frame is awaited (bounded) before ours; otherwise we close
 * (1000) at once. The socket is terminated only when a close handshake is not answered.
 */
export async function closeSTTSocket(
  ws: WebSocket,
  adapter: Pick<WebSocketSTTAdapter, 'close'>,
  options: CloseSTTSocketOptions,
): Promise<void> {
  const { timeoutMs, socketClosed, waitFor } = options;
  const io = {
    send: (data: string | Uint8Array) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(data);
    },
    get audioMessagesSent() {
      return options.audioMessagesSent();
    },
    waitFor,
  };
  const deadline = delay(timeoutMs, options.signal).then(
    () => false,
    () => false,
  );
  const sequence = (async () => {
    await adapter.close?.(io);
    return Promise.race([socketClosed.then(() => true), waitFor('done', timeoutMs)]);
  })().catch((err: unknown) => {
    options.logger.debug({ err }, 'stt close sequence failed');
    return false;
  });
  // After the vendor's last message, its close frame (a later read) is awaited, bounded.
  if (await Promise.race([sequence, deadline])) await closeAfterPeer(ws, socketClosed, PEER_CLOSE_WAIT_MS, CLOSE_HANDSHAKE_MS);
  else await closeWebSocket(ws, 1000, '', CLOSE_HANDSHAKE_MS);
}
