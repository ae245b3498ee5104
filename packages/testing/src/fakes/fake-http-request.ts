import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { parseMultipart, type MultipartPart } from './parse-multipart.js';

/** One request a `FakeHttpServer` received, with its whole body. */
export class FakeHttpRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** `performance.now()` when the body was complete. */
  readonly at = performance.now();
  /**
   * Resolves when the exchange is over: the response was fully sent, or the client went away
   * first (then `clientAborted` is true). Never rejects. For abort tests: abort in the client,
   * `await request.clientClosed`, then expect `clientAborted` to be true.
   */
  readonly clientClosed: Promise<void>;
  /** True when the client went away before the response was complete. */
  clientAborted = false;

  constructor(
    /** The raw Node request, for anything the helpers do not cover. */
    readonly raw: IncomingMessage,
    /** The raw request body. */
    readonly body: Buffer,
    response: ServerResponse,
  ) {
    const url = new URL(raw.url ?? '/', 'http://127.0.0.1');
    this.method = raw.method ?? 'GET';
    this.path = url.pathname;
    this.query = url.searchParams;
    this.headers = raw.headers;
    this.clientClosed = new Promise((resolve) => {
      const onClose = (): void => {
        if (!response.writableFinished) this.clientAborted = true;
        resolve();
      };
      if (response.closed) onClose();
      else response.once('close', onClose);
    });
  }

  /** A header value (case-insensitive name); repeated headers are joined with `, `. */
  header(name: string): string | undefined {
    const value = this.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  /** The body as UTF-8 text. */
  text(): string {
    return this.body.toString('utf8');
  }

  /** The body parsed as JSON (throws on invalid JSON, as a strict vendor would reject it). */
  json<T = Record<string, unknown>>(): T {
    return JSON.parse(this.text()) as T;
  }

  /** The body parsed as `application/x-www-form-urlencoded`. */
  form(): URLSearchParams {
    return new URLSearchParams(this.text());
  }

  /** The body parsed as `multipart/form-data` (throws when it is not). */
  multipart(): MultipartPart[] {
    return parseMultipart(this.body, this.header('content-type'));
  }
}
