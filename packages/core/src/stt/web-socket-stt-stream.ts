import { AdapterSTTStream } from './adapter-stt-stream.js';
import type { WebSocketSTTAdapter } from './web-socket-stt-adapter.js';
import type { WebSocketSTTStream, WebSocketSTTStreamOptions } from './web-socket-stt-stream-options.js';

export type { WebSocketSTTStream, WebSocketSTTStreamOptions } from './web-socket-stt-stream-options.js';

/**
 * Builds an `STTStream` over a vendor WebSocket from a small adapter. The machinery owns:
 * buffering audio before the socket opens (bounded), coalescing to the vendor's minimum chunk,
 * the transcript queue, keep-alives, reconnect with backoff re-sending the audio since the
 * last final result, no retry on auth/config errors, dropping malformed or unknown messages
 * with a log line, graceful close, abort, and usage. Nothing is emitted after close or abort.
 */
export function createWebSocketSTTStream(adapter: WebSocketSTTAdapter, options: WebSocketSTTStreamOptions): WebSocketSTTStream {
  return new AdapterSTTStream(adapter, options);
}
