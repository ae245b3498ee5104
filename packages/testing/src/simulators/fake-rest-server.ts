import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WaitableLog } from '../fakes/waitable-log.js';

/** One request a fake REST API received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface RestAnswer {
  readonly status: number;
  readonly body?: unknown;
}

export type RestHandler = (request: RecordedRequest, match: RegExpExecArray) => RestAnswer;

/** A loopback HTTP server with regex routes; records every request (answered or refused). */
export class FakeRestServer {
  readonly requests = new WaitableLog<RecordedRequest>('REST request');
  private readonly routes: { method: string; pattern: RegExp; handler: RestHandler }[] = [];
  private server: Server | undefined;
  private origin = '';

  /** `http://127.0.0.1:<port>`; pass it as the client's `baseUrl`. */
  get url(): string {
    return this.origin;
  }

  route(method: string, pattern: RegExp, handler: RestHandler): void {
    this.routes.push({ method, pattern, handler });
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', this.origin);
        const request: RecordedRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.requests.push(request);
        const answer = this.answer(request);
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    this.server = server;
    this.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  protected notFound(request: RecordedRequest): RestAnswer {
    return { status: 404, body: { message: `no route for ${request.method} ${request.path}` } };
  }

  private answer(request: RecordedRequest): RestAnswer {
    let pathMatched = false;
    for (const route of this.routes) {
      const match = route.pattern.exec(request.path);
      if (!match) continue;
      pathMatched = true;
      if (route.method === request.method) return route.handler(request, match);
    }
    return pathMatched ? { status: 405, body: { message: 'method not allowed' } } : this.notFound(request);
  }
}
