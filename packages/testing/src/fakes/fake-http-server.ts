import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FakeHttpRequest } from './fake-http-request.js';
import { FakeHttpResponse } from './fake-http-response.js';
import { DEFAULT_WAIT_MS, WaitableLog } from './waitable-log.js';

/** Scripts the answer to one request; a throw answers 500 and is recorded in `server.errors`. */
export type FakeHttpHandler = (request: FakeHttpRequest, response: FakeHttpResponse) => void | Promise<void>;

/** Routes keyed `'METHOD /path'` (e.g. `'POST /v1/speak'`); `'* /path'` matches any method. */
export type FakeHttpRoutes = Readonly<Record<string, FakeHttpHandler>>;

/**
 * A loopback HTTP server (`127.0.0.1`, ephemeral port) that records every request with its whole
 * body and answers from a handler or a route table (unknown routes get 404, like a real vendor).
 * `close()` destroys every connection and cancels pending chunk timers, so the test process exits.
 */
export class FakeHttpServer {
  /** Every request received, in order (a live array). */
  readonly requests: FakeHttpRequest[];
  /** Errors thrown by handlers. */
  readonly errors: unknown[] = [];

  private readonly log = new WaitableLog<FakeHttpRequest>('HTTP request');
  private readonly routes = new Map<string, FakeHttpHandler>();
  private readonly sockets = new Set<Socket>();
  private fallback: FakeHttpHandler | undefined;
  private closing: Promise<void> | undefined;

  private constructor(private readonly http: Server) {
    this.requests = this.log.items;
  }

  /** Start with one handler for every request, or a route table. */
  static async start(handlerOrRoutes: FakeHttpHandler | FakeHttpRoutes = {}): Promise<FakeHttpServer> {
    let server: FakeHttpServer | undefined;
    const http = createServer((req, res) => void server?.receive(req, res));
    server = new FakeHttpServer(http);
    if (typeof handlerOrRoutes === 'function') server.fallback = handlerOrRoutes;
    else for (const [key, handler] of Object.entries(handlerOrRoutes)) server.addRoute(key, handler);
    const self = server;
    http.on('connection', (socket) => {
      self.sockets.add(socket);
      socket.once('close', () => self.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(0, '127.0.0.1', () => resolve());
    });
    return server;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:<port>` (no trailing slash): pass it as the plugin's `baseUrl`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Add or replace a route. */
  route(method: string, path: string, handler: FakeHttpHandler): this {
    this.routes.set(`${method.toUpperCase()} ${path}`, handler);
    return this;
  }

  /** The next request not yet returned by `nextRequest()`. */
  nextRequest(timeoutMs = DEFAULT_WAIT_MS): Promise<FakeHttpRequest> {
    return this.log.next(timeoutMs);
  }

  /** The first request (past or future) for which `predicate` is true. */
  waitForRequest(predicate: (request: FakeHttpRequest) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<FakeHttpRequest> {
    return this.log.waitFor(predicate, timeoutMs);
  }

  /** Destroy every connection and stop listening. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.log.end('the fake HTTP server closed');
      for (const socket of this.sockets) socket.destroy();
      await new Promise<void>((resolve) => this.http.close(() => resolve()));
    })();
    return this.closing;
  }

  private addRoute(key: string, handler: FakeHttpHandler): void {
    const [method, path] = key.trim().split(/\s+/, 2);
    if (method && path) this.route(method, path, handler);
    else this.fallback = handler;
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return; // the client aborted while sending its body
    }
    const request = new FakeHttpRequest(req, Buffer.concat(chunks), res);
    const response = new FakeHttpResponse(res);
    this.log.push(request);
    const handler =
      this.routes.get(`${request.method} ${request.path}`) ?? this.routes.get(`* ${request.path}`) ?? this.fallback;
    try {
      if (handler) await handler(request, response);
      else response.json(404, { error: `no route for ${request.method} ${request.path}` });
    } catch (err) {
      if (!this.closing) this.errors.push(err);
      if (!res.headersSent) response.json(500, { error: 'fake handler threw' });
      else response.destroy();
    }
  }
}
