import { ConfigError } from '../errors/config-error.js';

/**
 * Validates a `baseUrl` option and returns it without a trailing slash. Accepts http(s) and
 * ws(s) URLs; a wrong value fails at construction naming the option.
 */
export function normalizeBaseUrl(value: string, option = 'baseUrl'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(option, `not a valid URL: ${JSON.stringify(value)}`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new ConfigError(option, `must be an http(s) or ws(s) URL, got ${url.protocol}`);
  }
  return value.replace(/\/+$/, '');
}

export type QueryValue = string | number | boolean | undefined | readonly (string | number)[];

/**
 * `baseUrl` + `path` + query. Undefined query values are left out; arrays repeat the key.
 */
export function joinUrl(baseUrl: string, path: string, query?: Record<string, QueryValue>): string {
  const url = new URL(baseUrl.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`));
  if (query) {
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, String(item));
      else url.searchParams.set(key, String(value));
    }
  }
  return url.toString();
}

/** `https://x` → `wss://x`, `http://x` → `ws://x`; ws(s) URLs unchanged. */
export function toWebSocketUrl(url: string): string {
  return url.replace(/^http(s?):\/\//, 'ws$1://');
}

/** `wss://x` → `https://x`, `ws://x` → `http://x`; http(s) URLs unchanged. */
export function toHttpUrl(url: string): string {
  return url.replace(/^ws(s?):\/\//, 'http$1://');
}
