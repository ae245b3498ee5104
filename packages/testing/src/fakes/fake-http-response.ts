import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** One chunk of a streamed body, optionally with its own delay before it is written. */
export type FakeHttpChunk = string | Uint8Array | { readonly data: string | Uint8Array; readonly delayMs?: number };

export interface FakeHttpStreamOptions {
  readonly status?: number;
  readonly headers?: OutgoingHttpHeaders;
  readonly chunks: readonly FakeHttpChunk[];
  /** Delay before each chunk that has none of its own. Default 0 (still one macrotask apart). */
  readonly delayMs?: number;
  /**
   * After the last chunk: `'end'` the response (default), `'destroy'` the connection mid-body
   * (the client sees a truncated stream), or `'hang'` (keep it open until the client aborts or the server closes).
   */
  readonly then?: 'end' | 'destroy' | 'hang';
}

/**
 * The scripted answer to one request. Every helper stops quietly once the client went away,
 * and pending chunk timers are cancelled, so nothing outlives the test.
 */
export class FakeHttpResponse {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly gone: Promise<void>;

  constructor(
    /** The raw Node response, for anything the helpers do not cover. */
    readonly raw: ServerResponse,
  ) {
    this.gone = new Promise((resolve) => {
      raw.once('close', () => {
        this.cancelTimers();
        resolve();
      });
    });
  }

  /** True once the client is gone or the response ended. */
  get done(): boolean {
    return this.raw.writableEnded || this.raw.destroyed;
  }

  /** Send a complete response. */
  send(status: number, body: string | Uint8Array = '', headers: OutgoingHttpHeaders = {}): void {
    if (this.done) return;
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    this.raw.writeHead(status, { 'content-length': bytes.byteLength, ...headers });
    this.raw.end(bytes);
  }

  /** Send a JSON response (`content-type: application/json`). */
  json(status: number, value: unknown, headers: OutgoingHttpHeaders = {}): void {
    this.send(status, JSON.stringify(value), { 'content-type': 'application/json', ...headers });
  }

  /** Stream a body in chunks (chunked transfer encoding), with per-chunk delays; resolves when done. */
  async stream(options: FakeHttpStreamOptions): Promise<void> {
    if (this.done) return;
    this.raw.writeHead(options.status ?? 200, options.headers ?? {});
    this.raw.flushHeaders();
    for (const chunk of options.chunks) {
      const { data, delayMs } =
        typeof chunk === 'string' || chunk instanceof Uint8Array ? { data: chunk, delayMs: undefined } : chunk;
      await this.sleep(delayMs ?? options.delayMs ?? 0);
      if (this.done) return;
      await Promise.race([new Promise<void>((resolve) => this.raw.write(data, () => resolve())), this.gone]);
    }
    if (this.done) return;
    const then = options.then ?? 'end';
    if (then === 'end') this.raw.end();
    else if (then === 'destroy') this.destroy();
  }

  /** Server-sent events: each item becomes one `data:` event (objects as JSON), then the stream ends. */
  sse(events: ReadonlyArray<unknown>, options: Omit<FakeHttpStreamOptions, 'chunks'> = {}): Promise<void> {
    return this.stream({
      ...options,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...options.headers },
      chunks: events.map((event) => `data: ${typeof event === 'string' ? event : JSON.stringify(event)}\n\n`),
    });
  }

  /** Drop the connection now (mid-response if headers were sent): the client sees a network error. */
  destroy(): void {
    this.cancelTimers();
    this.raw.socket?.destroy();
    this.raw.destroy();
  }

  private sleep(ms: number): Promise<void> {
    if (this.done) return Promise.resolve();
    const elapsed = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
    return Promise.race([elapsed, this.gone]);
  }

  private cancelTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
