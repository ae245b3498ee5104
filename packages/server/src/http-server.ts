import { createServer, type Server } from 'node:http';
import type { WebSocketServer } from 'ws';
import { ConnectionLimiter } from './connection-limiter.js';
import { createRequestHandler, send } from './request-handler.js';
import type { ServerContext } from './server-context.js';

export { HEALTH_PATH } from './request-handler.js';

export interface HttpServer {
  readonly server: Server;
  readonly wss: WebSocketServer;
  /** The carrier's webhook routes, `METHOD /path`. */
  readonly routes: readonly string[];
}

/**
 * The node:http server: the health route and the carrier's webhook routes (bodies capped at
 * `maxBodyBytes`), media-stream upgrades on the carrier's stream path, and a per-IP connection cap.
 */
export function createHttpServer(context: ServerContext): HttpServer {
  const { options, logger } = context;
  // Aborted once the server closed: the rate-limited refusal logs (ours and the carriers') stop their timers.
  const lifetime = new AbortController();
  const handler = createRequestHandler(context, lifetime.signal);
  const limiter = new ConnectionLimiter(options.maxConnectionsPerIp, logger, lifetime.signal);
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 15_000 }, (request, response) => {
    if (limiter.isRefused(request.socket)) return void request.socket.destroy();
    handler.handleRequest(request, response).then(
      (handled) => {
        if (!handled) send(response, { status: 404, body: 'not found' });
      },
      (err: unknown) => {
        logger.error({ err, path: request.url }, 'request handler failed');
        if (!response.headersSent) send(response, { status: 500, body: 'internal error' });
        else response.destroy();
      },
    );
  });
  limiter.attach(server);
  server.once('close', () => lifetime.abort());
  server.on('upgrade', (request, socket, head) => {
    if (limiter.isRefused(request.socket)) return void socket.destroy();
    if (!handler.handleUpgrade(request, socket, head)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () => socket.destroy());
    }
  });
  server.on('clientError', (err, socket) => {
    logger.debug({ err }, 'malformed HTTP request');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  return { server, wss: handler.wss, routes: handler.routes };
}
