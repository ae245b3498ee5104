import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import { connectSTTSocket } from './connect-stt-socket.js';
import type { WebSocketSTTAdapter } from './web-socket-stt-adapter.js';

/**
 * Opens and at once closes one connection as the adapter would, so DNS, TLS and the vendor's
 * edge are warm before the first call; the adapter's `endMessage` goes out first, so the vendor
 * ends (and stops billing) the session. Never throws: a failure is logged at debug level.
 */
export async function warmUpWebSocket(
  adapter: Pick<WebSocketSTTAdapter, 'provider' | 'request' | 'apiKeyEnv' | 'endMessage'>,
  options: { logger?: Logger; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const logger = options.logger ?? silentLogger;
  try {
    const ws = await connectSTTSocket(adapter, { timeoutMs: options.timeoutMs ?? 5000, signal: options.signal });
    ws.on('error', () => {});
    // connectWebSocket holds messages until a listener exists; read, so the close handshake completes.
    ws.on('message', () => {});
    if (adapter.endMessage !== undefined) ws.send(adapter.endMessage);
    ws.close(1000);
    setTimeout(() => ws.terminate(), 2000).unref();
  } catch (err) {
    logger.debug({ err, provider: adapter.provider }, 'stt warmup failed');
  }
}
