import type { Logger } from '../log/logger.js';
import type { WebSocketSTTAdapter, WebSocketSTTContext } from './web-socket-stt-adapter.js';

/**
 * Hands one vendor message to the adapter. A binary, malformed or unknown message, or one the
 * adapter throws on, is dropped with a log line (its size or type, never its content).
 */
export function dispatchSTTMessage(
  adapter: Pick<WebSocketSTTAdapter, 'onMessage'>,
  ctx: WebSocketSTTContext,
  logger: Logger,
  data: Buffer,
  isBinary: boolean,
): void {
  if (isBinary) {
    logger.debug({ bytes: data.byteLength }, 'stt binary message dropped');
    return;
  }
  let message: unknown;
  try {
    message = JSON.parse(data.toString('utf8'));
  } catch {
    logger.warn({ bytes: data.byteLength }, 'stt malformed message dropped');
    return;
  }
  let known: boolean;
  try {
    known = adapter.onMessage(message, ctx);
  } catch (err) {
    logger.warn({ err }, 'stt message handling failed; message dropped');
    return;
  }
  if (!known) {
    const type = typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
    logger.debug({ type: typeof type === 'string' ? type : undefined }, 'stt unknown message dropped');
  }
}
