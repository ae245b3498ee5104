import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createRequestHandler } from './request-handler.js';
import { closeAfterDrain, createServerContext, type StartServerParams } from './serve.js';
import type { ServerContext } from './server-context.js';
import { drainCalls, type DrainControl } from './shutdown.js';

/**
 * What `phone.handler()` returns: Patter's webhook routes and media-stream upgrades, to mount on
 * the app's own HTTP server (Express, Fastify, plain node:http) instead of a second port.
 *
 * @example
 * const patter = phone.handler({ agent });
 * const server = http.createServer(async (req, res) => {
 *   if (await patter.handleRequest(req, res)) return;
 *   res.writeHead(404).end();
 * });
 * server.on('upgrade', (req, socket, head) => {
 *   if (!patter.handleUpgrade(req, socket, head)) socket.destroy();
 * });
 */
export interface PatterHandler {
  /**
   * Answers a request on one of Patter's paths (`/health`, the carrier's webhooks) and resolves
   * true; resolves false, without touching the request or response, on any other path. Give it
   * the raw request (before any body parser: webhook signatures are checked on the raw body).
   */
  handleRequest(request: IncomingMessage, response: ServerResponse): Promise<boolean>;
  /** Takes a WebSocket upgrade on the carrier's stream path and returns true; false (socket untouched) on any other path. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** The carrier's webhooks as public URLs (`POST https://…/twilio/voice`), to configure at the carrier. */
  readonly webhooks: readonly string[];
  /** Calls whose media stream is connected. */
  readonly activeCalls: number;
  /**
   * Stop accepting calls, let running calls finish for up to `timeoutMs` (default the option
   * `shutdownTimeoutMs`) and hang up the rest. The app's server is left open. Idempotent.
   */
  close(options?: { readonly timeoutMs?: number }): Promise<void>;
}

/** Builds the context and the routes of `phone.handler()`; nothing listens. */
export function createPatterHandler(params: StartServerParams): { handler: PatterHandler; context: ServerContext } {
  const context = createServerContext(params);
  const lifetime = new AbortController();
  const requests = createRequestHandler(context, lifetime.signal);
  const expire = setInterval(() => context.registry.expirePending(), 60_000).unref();
  context.history?.start();
  context.fleet?.start(context);
  let closing: (DrainControl & { readonly done: Promise<void> }) | undefined;
  const close = (timeoutMs = params.options.shutdownTimeoutMs): Promise<void> => {
    if (closing) {
      if (timeoutMs === 0) closing.hurry();
      return closing.done;
    }
    params.logger.info({ timeoutMs }, 'server shutting down');
    const drain = drainCalls(context, timeoutMs);
    const done = closeAfterDrain(context, drain.done, requests.wss, async () => {
      clearInterval(expire);
      lifetime.abort();
    });
    closing = { done, hurry: drain.hurry };
    return done;
  };
  params.logger.info({ publicUrl: context.publicUrl, carrier: params.carrier.key }, 'patter handler ready');
  const handler: PatterHandler = {
    handleRequest: (request, response) => requests.handleRequest(request, response),
    handleUpgrade: (request, socket, head) => requests.handleUpgrade(request, socket, head),
    webhooks: requests.routes.map((route) => route.replace(' ', ` ${context.publicUrl}`)),
    get activeCalls() {
      return context.registry.activeCount;
    },
    close: (options) => close(options?.timeoutMs),
  };
  return { handler, context };
}
