import type { Logger } from '../log/logger.js';
import { httpRequest } from './http-request.js';

export interface WarmUpHttpOptions {
  /** Provider key, for the log line. */
  readonly provider: string;
  readonly headers?: Record<string, string>;
  /** Default 5 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

/**
 * Opens a pooled connection (DNS, TCP, TLS) to a vendor before the first real request by
 * sending a cheap GET whose answer is ignored. Never throws: a failed warm-up is a debug line.
 */
export async function warmUpHttp(url: string, options: WarmUpHttpOptions): Promise<void> {
  try {
    const response = await httpRequest(url, {
      provider: options.provider,
      method: 'GET',
      timeoutMs: options.timeoutMs ?? 5000,
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    await response.body.dump();
  } catch (err) {
    options.logger?.debug({ err, provider: options.provider }, 'warm-up request failed');
  }
}
