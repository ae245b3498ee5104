import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { CarrierHttpRequest, CarrierHttpResponse } from '@patter/core';
import { RateLimitedLog } from '@patter/core/plugin';
import { createCarrierHost } from './carrier-host.js';
import { DevPhoneCarrier } from './devphone/devphone-carrier.js';
import { BodyTooLargeError, readBody } from './body-reader.js';
import { healthResponse } from './health-route.js';
import { Router } from './router.js';
import type { ServerContext } from './server-context.js';
import { handleStreamUpgrade } from './stream-upgrade.js';

export const HEALTH_PATH = '/health';

/**
 * Patter's HTTP routes and media-stream upgrades, for any node:http server: the embedded one, or
 * the app's own (Express, Fastify, plain node:http) through `phone.handler()`.
 */
export interface RequestHandler {
  /**
   * Answers a request on one of Patter's paths (the health route, the carrier's webhooks, the
   * dashboard when on) and resolves true; resolves false, without touching the request or the
   * response, for any other path, to let the app answer it.
   */
  handleRequest(request: IncomingMessage, response: ServerResponse): Promise<boolean>;
  /**
   * Takes a WebSocket upgrade on the carrier's stream path (admitting or refusing it) and returns
   * true; returns false, without touching the socket, for any other path.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** The carrier's webhook routes, `METHOD /path`. */
  readonly routes: readonly string[];
  readonly wss: WebSocketServer;
}

/** Builds the routes and the media WebSocket server of a context. Its refusal logs stop with `signal`. */
export function createRequestHandler(context: ServerContext, signal: AbortSignal): RequestHandler {
  const { options, logger, carrier, devPhone } = context;
  const router = new Router();
  router.add('GET', HEALTH_PATH, () => healthResponse(context));
  const refusals = new RateLimitedLog(logger, 'warn', 'media stream refused', { signal });
  const oversized = new RateLimitedLog(logger, 'warn', 'request body too large', { signal });
  const routes: string[] = [];
  for (const route of carrier.routes(createCarrierHost(context, carrier, signal))) {
    router.add(route.method, route.path, (request) => route.handle(request));
    routes.push(`${route.method} ${route.path}`);
  }
  if (devPhone) {
    for (const route of devPhone.routes(createCarrierHost(context, devPhone, signal))) {
      router.add(route.method, route.path, (request) => route.handle(request));
    }
  }
  // maxPayload is the abuse ceiling (the socket closes past it); frames under it that are still
  // too big for a carrier are the transport's to log and drop, so the call survives them.
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes, perMessageDeflate: false });
  const streamPrefix = (path: string): boolean => path.startsWith(`${carrier.streamPath.replace(/\/+$/, '')}/`);

  const handleRequest = async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (context.dashboard?.owns(url.pathname)) {
      await context.dashboard.handle(request, response, url);
      return true;
    }
    const match = router.match(method, url.pathname);
    if (match.kind === 'not-found') return false;
    try {
      await answer(context, request, response, method, url, match, oversized);
    } catch (err) {
      logger.error({ err, path: url.pathname }, 'request handler failed');
      if (!response.headersSent) send(response, { status: 500, body: 'internal error' });
      else response.destroy();
    }
    return true;
  };

  const handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const path = request.url ?? '/';
    if (devPhone && path.startsWith(`${devPhone.streamPath}/`)) {
      if (devPhone instanceof DevPhoneCarrier && !devPhone.admitsStream(request, socket, context)) return true;
      handleStreamUpgrade(context, wss, request, socket, head, devPhone, refusals);
      return true;
    }
    if (!streamPrefix(path)) return false;
    if (carrier instanceof DevPhoneCarrier && !carrier.admitsStream(request, socket, context)) return true;
    handleStreamUpgrade(context, wss, request, socket, head, carrier, refusals);
    return true;
  };

  return { handleRequest, handleUpgrade, routes, wss };
}

async function answer(
  context: ServerContext,
  request: IncomingMessage,
  response: ServerResponse,
  method: string,
  url: URL,
  match: Exclude<ReturnType<Router['match']>, { kind: 'not-found' }>,
  oversized: RateLimitedLog,
): Promise<void> {
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

export function send(response: ServerResponse, answer: CarrierHttpResponse, headOnly = false): void {
  const body = answer.body ?? '';
  response.writeHead(answer.status, {
    'content-type': 'text/plain; charset=utf-8',
    ...answer.headers,
    'content-length': Buffer.byteLength(body),
  });
  response.end(headOnly ? undefined : body);
}
