import type { IncomingHttpHeaders } from 'node:http';
import type { WebSocket } from 'ws';
import { DEFAULT_WAIT_MS, WaitableLog } from './waitable-log.js';

/** One message a fake received from the client under test. */
export interface FakeWebSocketMessage {
  /** Text frames as a string, binary frames as bytes. */
  readonly data: string | Uint8Array;
  readonly isBinary: boolean;
  /** `performance.now()` when it arrived. */
  readonly at: number;
}

/** How a connection ended. `byServer` is true when the fake closed or dropped it. */
export interface FakeWebSocketClose {
  readonly code: number;
  readonly reason: string;
  readonly byServer: boolean;
  readonly at: number;
}

/** What the client asked for in its upgrade request. */
export interface FakeUpgradeRequest {
  /** Path without the query string, e.g. `/v1/listen`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Sub-protocols the client offered (`Sec-WebSocket-Protocol`), in order. */
  readonly subprotocols: readonly string[];
}

/**
 * The server side of one accepted WebSocket connection, recorded and scriptable.
 * Everything the client sends is logged from the first byte, before `onConnection` runs.
 */
export class FakeWebSocketConnection implements FakeUpgradeRequest {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly subprotocols: readonly string[];
  /** The sub-protocol the fake accepted, or `''`. */
  readonly protocol: string;
  /** Every message received, in order (a live array). */
  readonly messages: FakeWebSocketMessage[];
  /** Resolves once the connection is closed, whoever closed it. Never rejects. */
  readonly closed: Promise<FakeWebSocketClose>;
  /** Set once closed. */
  closeInfo: FakeWebSocketClose | undefined;

  private readonly log = new WaitableLog<FakeWebSocketMessage>('WebSocket message');
  private readonly timers = new Set<NodeJS.Timeout>();
  private closingByServer = false;

  constructor(
    /** The underlying `ws` socket, for anything the helpers do not cover. */
    readonly socket: WebSocket,
    request: FakeUpgradeRequest,
  ) {
    this.path = request.path;
    this.query = request.query;
    this.headers = request.headers;
    this.subprotocols = request.subprotocols;
    this.protocol = socket.protocol;
    this.messages = this.log.items;
    socket.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      this.log.push({
        data: isBinary ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes.toString('utf8'),
        isBinary,
        at: performance.now(),
      });
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', (code, reason) => {
        this.clearTimers();
        this.closeInfo = { code, reason: reason.toString('utf8'), byServer: this.closingByServer, at: performance.now() };
        this.log.end('the WebSocket connection closed');
        resolve(this.closeInfo);
      });
    });
    socket.on('error', () => {
      // A protocol error from a misbehaving client ends in 'close'; the close record tells the test.
    });
  }

  get isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  /** A copy of every message received so far. */
  received(): FakeWebSocketMessage[] {
    return [...this.messages];
  }

  /** Text messages received so far. */
  textMessages(): string[] {
    return this.messages.flatMap((m) => (typeof m.data === 'string' ? [m.data] : []));
  }

  /** Text messages received so far, parsed as JSON (a non-JSON text message throws). */
  jsonMessages<T = Record<string, unknown>>(): T[] {
    return this.textMessages().map((text) => JSON.parse(text) as T);
  }

  /** Binary messages received so far. */
  binaryMessages(): Uint8Array[] {
    return this.messages.flatMap((m) => (typeof m.data === 'string' ? [] : [m.data]));
  }

  /** Every binary message received so far, concatenated. */
  binaryBytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.binaryMessages()));
  }

  /** The next message not yet returned by `nextMessage()`; rejects on timeout or close. */
  nextMessage(timeoutMs = DEFAULT_WAIT_MS): Promise<FakeWebSocketMessage> {
    return this.log.next(timeoutMs);
  }

  /** The first message (already received or still to come) for which `predicate` is true. */
  waitFor(predicate: (message: FakeWebSocketMessage) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<FakeWebSocketMessage> {
    return this.log.waitFor(predicate, timeoutMs);
  }

  /** The first text message that parses as JSON and satisfies `predicate`. */
  async waitForJson<T = Record<string, unknown>>(
    predicate: (message: T) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<T> {
    const match = (m: FakeWebSocketMessage): boolean => {
      if (typeof m.data !== 'string') return false;
      try {
        return predicate(JSON.parse(m.data) as T);
      } catch {
        return false;
      }
    };
    const message = await this.log.waitFor(match, timeoutMs);
    return JSON.parse(message.data as string) as T;
  }

  /** Resolves once at least `byteCount` binary bytes have arrived in total. */
  async waitForBinaryBytes(byteCount: number, timeoutMs = DEFAULT_WAIT_MS): Promise<Uint8Array> {
    let total = 0;
    await this.log.waitFor(() => {
      total = this.binaryMessages().reduce((sum, b) => sum + b.byteLength, 0);
      return total >= byteCount;
    }, timeoutMs);
    return this.binaryBytes();
  }

  /** Send text (a string), JSON (an object) or binary (bytes). Silently ignored once closed. */
  send(data: string | Uint8Array | object): Promise<void> {
    if (!this.isOpen) return Promise.resolve();
    const payload = typeof data === 'string' || data instanceof Uint8Array ? data : JSON.stringify(data);
    return new Promise((resolve) => {
      this.socket.send(payload, { binary: payload instanceof Uint8Array }, () => resolve());
    });
  }

  /** Send after `delayMs`; the timer is cancelled if the connection closes first. */
  sendAfter(delayMs: number, data: string | Uint8Array | object): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.send(data).then(resolve);
      }, delayMs);
      this.timers.add(timer);
      void this.closed.then(() => {
        if (this.timers.delete(timer)) clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Close with a close frame; resolves once the close handshake ends (or the socket is gone). */
  close(code = 1000, reason = ''): Promise<FakeWebSocketClose> {
    this.closingByServer ||= this.closeInfo === undefined;
    if (this.isOpen || this.socket.readyState === this.socket.CONNECTING) this.socket.close(code, reason);
    return this.closed;
  }

  /** Drop the TCP connection abruptly: no close frame (the client sees code 1006). */
  terminate(): Promise<FakeWebSocketClose> {
    this.closingByServer ||= this.closeInfo === undefined;
    this.socket.terminate();
    return this.closed;
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
