import WebSocket from 'ws';
import {
  ProviderAuthError,
  ProviderConnectionError,
  ProviderStatusError,
  ProviderTimeoutError,
} from '../errors/provider-error.js';
import { abortReason } from '../util/abort.js';
import { parseRetryAfter } from '../util/retry.js';
import { closeWebSocket } from './close-web-socket.js';
import { maskKeyFor } from './web-socket-mask.js';

export { WebSocket };

export interface ConnectWebSocketOptions {
  /** Provider key, for error messages. */
  readonly provider: string;
  readonly headers?: Record<string, string>;
  readonly protocols?: string | string[];
  /** Handshake timeout. Default 10 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Named in the error when the vendor answers 401/403. */
  readonly apiKeyEnv?: string;
}

/** After an abort, how long an open socket's close handshake may take before it is terminated. */
const ABORT_CLOSE_MS = 2000;

/**
 * Opens a WebSocket and resolves once it is open. Failures become typed errors: an HTTP
 * status on the upgrade → `ProviderStatusError` (401/403 → `ProviderAuthError`, not retryable),
 * a timeout → `ProviderTimeoutError`, anything else → `ProviderConnectionError`. Aborting the
 * signal closes the socket, also after it opened (then with a close frame, code 1000).
 *
 * A vendor may send its first message in the same packet as the handshake answer; Node would
 * emit it before the caller's `await` resumes, and it would be lost. So the socket is paused
 * when it opens and resumes as soon as the caller adds a `message` listener.
 *
 * Frames are masked as `maskKeyFor(url)` says (a zero key over TLS and loopback).
 */
export function connectWebSocket(url: string, options: ConnectWebSocketOptions): Promise<WebSocket> {
  const { provider, signal } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const generateMask = maskKeyFor(url);
    const ws = new WebSocket(url, options.protocols ?? [], {
      headers: options.headers,
      handshakeTimeout: options.timeoutMs ?? 10_000,
      perMessageDeflate: false,
      ...(generateMask ? { generateMask } : {}),
    });
    let settled = false;
    const onAbort = () => {
      if (!settled) {
        settled = true;
        ws.terminate();
        reject(abortReason(signal as AbortSignal));
        return;
      }
      // An open socket ends with a close frame (1000), never a bare reset the vendor logs as
      // abnormal (1006); it is terminated only if the peer does not answer within the bound.
      void closeWebSocket(ws, 1000, '', ABORT_CLOSE_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    ws.once('close', () => signal?.removeEventListener('abort', onAbort));
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      ws.removeAllListeners('open');
      ws.on('error', () => {});
      ws.terminate();
      reject(error);
    };
    ws.once('open', () => {
      if (settled) return;
      settled = true;
      ws.removeListener('error', onError);
      ws.removeListener('unexpected-response', onResponse);
      holdMessagesUntilListened(ws);
      resolve(ws);
    });
    const onResponse = (_req: unknown, res: import('node:http').IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        if (chunks.length < 16) chunks.push(chunk);
      });
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8').slice(0, 500);
        const retryAfter = parseRetryAfter(res.headers['retry-after'] as string | undefined);
        fail(
          status === 401 || status === 403
            ? new ProviderAuthError(provider, status, options.apiKeyEnv, { body })
            : new ProviderStatusError(provider, status, 'WebSocket upgrade refused', {
                body,
                ...(retryAfter === undefined ? {} : { retryAfter }),
              }),
        );
      });
      res.on('error', () => fail(new ProviderConnectionError(provider, 'WebSocket upgrade failed')));
    };
    const onError = (error: Error) => {
      fail(
        /timed out/i.test(error.message)
          ? new ProviderTimeoutError(provider, 'WebSocket handshake timed out', { cause: error })
          : new ProviderConnectionError(provider, `WebSocket connection failed: ${error.message}`, { cause: error }),
      );
    };
    ws.once('unexpected-response', onResponse);
    ws.once('error', onError);
  });
}

function holdMessagesUntilListened(ws: WebSocket): void {
  ws.pause();
  const onNewListener = (event: string | symbol) => {
    if (event !== 'message') return;
    ws.removeListener('newListener', onNewListener);
    queueMicrotask(() => ws.resume());
  };
  ws.on('newListener', onNewListener);
}
