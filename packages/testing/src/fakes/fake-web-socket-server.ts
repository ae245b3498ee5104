import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { FakeWebSocketConnection, type FakeUpgradeRequest } from './fake-web-socket-connection.js';
import { DEFAULT_WAIT_MS, WaitableLog } from './waitable-log.js';

/** Refuse the upgrade with a plain HTTP response (e.g. 401, or 429 with `retry-after`). */
export interface FakeUpgradeRejection {
  readonly reject: {
    readonly status: number;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
  };
}

/** Accept the upgrade; optionally pick the sub-protocol (`false`: none) and add response headers. */
export interface FakeUpgradeAcceptance {
  readonly protocol?: string | false;
  readonly headers?: Readonly<Record<string, string>>;
}

export type FakeUpgradeDecision = FakeUpgradeRejection | FakeUpgradeAcceptance | undefined | void;

/** An upgrade request as the fake saw it, with what it answered (`status` 101 when accepted). */
export interface FakeUpgradeRecord extends FakeUpgradeRequest {
  readonly status: number;
}

export interface FakeWebSocketServerOptions {
  /** Only this path is upgraded; any other path is refused with 404 (like a real vendor). */
  readonly path?: string;
  /** Inspect the upgrade request and accept or reject it. Default: accept. */
  readonly onUpgrade?: (request: FakeUpgradeRequest) => FakeUpgradeDecision | Promise<FakeUpgradeDecision>;
  /** Script the vendor's side of each accepted connection. */
  readonly onConnection?: (connection: FakeWebSocketConnection) => void | Promise<void>;
}

/**
 * A loopback WebSocket server (`127.0.0.1`, ephemeral port) that records every connection and
 * lets a test script the vendor's side. `close()` drops every socket, so the test process exits.
 */
export class FakeWebSocketServer {
  /** Every accepted connection, in order (a live array). */
  readonly connections: FakeWebSocketConnection[];
  /** Every upgrade request, accepted or not, in order. */
  readonly upgrades: FakeUpgradeRecord[] = [];
  /** Errors thrown by `onUpgrade` / `onConnection` scripts (a non-empty list is a broken test). */
  readonly errors: unknown[] = [];

  private readonly log = new WaitableLog<FakeWebSocketConnection>('WebSocket connection');
  private readonly sockets = new Set<Socket>();
  private readonly wss = new WebSocketServer({ noServer: true, clientTracking: false, handleProtocols });
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly http: Server,
    private readonly options: FakeWebSocketServerOptions,
  ) {
    this.connections = this.log.items;
  }

  static async start(options: FakeWebSocketServerOptions = {}): Promise<FakeWebSocketServer> {
    const http = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('Upgrade Required');
    });
    const server = new FakeWebSocketServer(http, options);
    http.on('connection', (socket) => {
      server.sockets.add(socket);
      socket.once('close', () => server.sockets.delete(socket));
    });
    http.on('upgrade', (req, socket, head) => void server.upgrade(req, socket as Socket, head));
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(0, '127.0.0.1', () => resolve());
    });
    return server;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** `ws://127.0.0.1:<port>` (no trailing slash): pass it as the plugin's `baseUrl`. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** `http://127.0.0.1:<port>`, for plugins that take an http(s) base URL and switch scheme. */
  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next connection not yet returned by `nextConnection()`. */
  nextConnection(timeoutMs = DEFAULT_WAIT_MS): Promise<FakeWebSocketConnection> {
    return this.log.next(timeoutMs);
  }

  /** Resolves once `count` connections have been accepted in total. */
  async waitForConnections(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<FakeWebSocketConnection[]> {
    if (this.connections.length >= count) return this.connections.slice(0, count);
    await this.log.waitFor(() => this.connections.length >= count, timeoutMs);
    return this.connections.slice(0, count);
  }

  /** Drop every connection and stop listening. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.log.end('the fake WebSocket server closed');
      for (const connection of this.connections) connection.socket.terminate();
      await Promise.all(this.connections.map((c) => c.closed));
      for (const socket of this.sockets) socket.destroy();
      this.wss.close();
      await new Promise<void>((resolve) => this.http.close(() => resolve()));
    })();
    return this.closing;
  }

  private async upgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const request: FakeUpgradeRequest = {
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      subprotocols: parseProtocols(req.headers['sec-websocket-protocol']),
    };
    let decision: FakeUpgradeDecision;
    if (this.options.path !== undefined && url.pathname !== this.options.path) {
      decision = { reject: { status: 404, body: `no WebSocket endpoint at ${url.pathname}` } };
    } else {
      try {
        decision = await this.options.onUpgrade?.(request);
      } catch (err) {
        this.errors.push(err);
        decision = { reject: { status: 500, body: 'onUpgrade threw' } };
      }
    }
    if (this.closing) return void socket.destroy();
    if (decision && 'reject' in decision) {
      this.upgrades.push({ ...request, status: decision.reject.status });
      return rejectUpgrade(socket, decision.reject);
    }
    this.upgrades.push({ ...request, status: 101 });
    const acceptance = decision ?? {};
    const addHeaders = (headers: string[], forReq: IncomingMessage): void => {
      if (forReq !== req) return;
      for (const [name, value] of Object.entries(acceptance.headers ?? {})) headers.push(`${name}: ${value}`);
    };
    this.wss.on('headers', addHeaders);
    chosenProtocol.set(req, acceptance.protocol);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.wss.off('headers', addHeaders);
      const connection = new FakeWebSocketConnection(ws, request);
      this.log.push(connection);
      if (this.options.onConnection) {
        Promise.resolve()
          .then(() => this.options.onConnection?.(connection))
          .catch((err: unknown) => {
            if (!this.closing) this.errors.push(err);
          });
      }
    });
  }
}

const chosenProtocol = new WeakMap<IncomingMessage, string | false | undefined>();

function handleProtocols(protocols: Set<string>, req: IncomingMessage): string | false {
  const chosen = chosenProtocol.get(req);
  if (chosen !== undefined) return chosen;
  const [first] = protocols;
  return first ?? false;
}

function parseProtocols(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

function rejectUpgrade(socket: Socket, reject: FakeUpgradeRejection['reject']): void {
  const body = reject.body ?? '';
  const headers: Record<string, string> = {
    connection: 'close',
    'content-type': 'text/plain',
    ...reject.headers,
    'content-length': String(Buffer.byteLength(body)),
  };
  const head = [`HTTP/1.1 ${reject.status} ${statusText(reject.status)}`];
  for (const [name, value] of Object.entries(headers)) head.push(`${name}: ${value}`);
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
  };
  return texts[status] ?? 'Error';
}
