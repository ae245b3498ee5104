import type { MessageHandler } from '../../agent/agent-options.js';
import { ProviderConnectionError } from '../../errors/provider-error.js';
import { connectWebSocket, type WebSocket } from '../../net/connect-web-socket.js';
import { AsyncQueue } from '../../util/async-queue.js';
import { remoteMessageRequest, textOf } from './http-message-handler.js';

/** A per-call remote agent over one WebSocket. */
export interface WebSocketMessageHandler {
  readonly handler: MessageHandler;
  close(): void;
}

/**
 * `onMessage` as a ws(s) URL. One socket per call, opened at the first turn. Each turn is sent
 * as a `message` (see `RemoteMessageRequest`); the remote agent answers with any number of
 * `{ "type": "text", "text": "…" }` then `{ "type": "done" }` (a message without `type` is a
 * whole reply). When the caller interrupts, `{ "type": "cancel" }` is sent.
 */
export function createWebSocketMessageHandler(url: string): WebSocketMessageHandler {
  let socket: Promise<WebSocket> | undefined;
  let current: AsyncQueue<string> | undefined;
  let closed = false;

  const open = (signal: AbortSignal): Promise<WebSocket> => {
    socket ??= connectWebSocket(url, { provider: 'on_message' }).then((ws) => {
      ws.on('message', (data) => {
        let message: unknown;
        try {
          message = JSON.parse(String(data)) as unknown;
        } catch {
          return;
        }
        const type = (message as { type?: unknown }).type;
        if (type === 'done') current?.end();
        else if (type === 'text' || type === undefined) {
          current?.push(textOf(message));
          if (type === undefined) current?.end();
        }
      });
      ws.on('close', () => {
        socket = undefined;
        current?.fail(new ProviderConnectionError('on_message', 'remote agent closed the connection'));
      });
      ws.on('error', () => {});
      return ws;
    });
    socket.catch(() => {
      socket = undefined;
    });
    return signal.aborted ? Promise.reject(signal.reason) : socket;
  };

  const handler: MessageHandler = async (context) => {
    const ws = await open(context.signal);
    current?.end();
    const queue = new AsyncQueue<string>(1000);
    current = queue;
    context.signal.addEventListener(
      'abort',
      () => {
        if (current === queue && ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'cancel' }));
        queue.end();
      },
      { once: true },
    );
    ws.send(JSON.stringify(remoteMessageRequest(context)));
    return queue;
  };

  return {
    handler,
    close() {
      if (closed) return;
      closed = true;
      current?.end();
      void socket?.then((ws) => ws.close(1000), () => {});
    },
  };
}
