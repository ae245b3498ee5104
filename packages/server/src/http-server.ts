import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { WebSocketServer } from 'ws';
import { RateLimitedLog, type CarrierHttpRequest, type CarrierHttpResponse } from '@patter/core';
import { createCarrierHost } from './carrier-host.js';
import { DevPhoneCarrier } from './devphone/devphone-carrier.js';
import { BodyTooLargeError, readBody } from './body-reader.js';
import { ConnectionLimiter } from './connection-limiter.js';
import { healthResponse } from './health-route.js';
import { Router } from './router.js';
import type { ServerContext } from './server-context.js';
import { handleStreamUpgrade } from './stream-upgrade.js';

export const HEALTH_PATH = '/health';

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
  const { options, logger, carrier, devPhone } = context;
  const router = new Router();
  router.add('GET', HEALTH_PATH, () => healthResponse(context));
  // Aborted once the server closed: the rate-limited refusal logs (ours and the carriers') stop their timers.
  const lifetime = new AbortController();
  const refusals = new RateLimitedLog(logger, 'warn', 'media stream refused', { signal: lifetime.signal });
  const routes: string[] = [];
  for (const route of carrier.routes(createCarrierHost(context, carrier, lifetime.signal))) {
    router.add(route.method, route.path, (request) => route.handle(request));
    routes.push(`${route.method} ${route.path}`);
  }
  if (devPhone) {
    for (const route of devPhone.routes(createCarrierHost(context, devPhone, lifetime.signal))) {
      router.add(route.method, route.path, (request) => route.handle(request));
    }
  }

  const limiter = new ConnectionLimiter(options.maxConnectionsPerIp, logger, lifetime.signal);
  const oversized = new RateLimitedLog(logger, 'warn', 'request body too large', { signal: lifetime.signal });
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 15_000 }, (request, response) => {
    if (limiter.isRefused(request.socket)) return void request.socket.destroy();
    handleRequest(context, router, request, response, oversized).catch((err: unknown) => {
      logger.error({ err, path: request.url }, 'request handler failed');
      if (!response.headersSent) send(response, { status: 500, body: 'internal error' });
      else response.destroy();
    });
  });
  limiter.attach(server);
  server.once('close', () => lifetime.abort());
  // maxPayload is the abuse ceiling (the socket closes past it); frames under it that are still
  // too big for a carrier are the transport's to log and drop, so the call survives them.
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes, perMessageDeflate: false });
  server.on('upgrade', (request, socket, head) => {
    if (limiter.isRefused(request.socket)) return void socket.destroy();
    const path = request.url ?? '/';
    const target = devPhone && path.startsWith(`${devPhone.streamPath}/`) ? devPhone : carrier;
    if (target instanceof DevPhoneCarrier && !target.admitsStream(request, socket, context)) return;
    handleStreamUpgrade(context, wss, request, socket, head, target, refusals);
  });
  server.on('clientError', (err, socket) => {
    logger.debug({ err }, 'malformed HTTP request');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  return { server, wss, routes };
}

async function handleRequest(
  context: ServerContext,
  router: Router,
  request: IncomingMessage,
  response: ServerResponse,
  oversized: RateLimitedLog,
): Promise<void> {
  const method = request.method ?? 'GET';
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (context.dashboard?.owns(url.pathname)) return context.dashboard.handle(request, response, url);
  const match = router.match(method, url.pathname);
  if (match.kind === 'not-found') return send(response, { status: 404, body: 'not found' });
  if (match.kind === 'method-not-allowed') {
    return send(response, { status: 405, headers: { allow: match.allow.join(', ') }, body: 'method not allowed' });
  }
  let rawBody: Buffer;
  try {
    rawBody = await readBody(request, context.options.maxBodyBytes);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      oversized.log(request.socket.remoteAddress, { path: url.pathname, limit: err.limit, remoteAddress: request.socket.remoteAddress });
      response.setHeader('connection', 'close');
      return send(response, { status: 413, body: 'payload too large' });
    }
    throw err;
  }
  const carrierRequest: CarrierHttpRequest = {
    method,
    url: context.publicUrl + url.pathname + url.search,
    path: url.pathname,
    query: url.searchParams,
    headers: request.headers as Record<string, string | undefined>,
    rawBody,
    remoteAddress: request.socket.remoteAddress,
  };
  send(response, await match.handler(carrierRequest), method === 'HEAD');
}

function send(response: ServerResponse, answer: CarrierHttpResponse, headOnly = false): void {
  const body = answer.body ?? '';
  response.writeHead(answer.status, {
    'content-type': 'text/plain; charset=utf-8',
    ...answer.headers,
    'content-length': Buffer.byteLength(body),
  });
  response.end(headOnly ? undefined : body);
}
