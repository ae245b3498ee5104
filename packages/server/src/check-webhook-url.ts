import { isIP } from 'node:net';
import { ConfigError } from '@patter/core';
import { normalizeBaseUrl } from '@patter/core/plugin';

/** Whether a host name or address is this machine: `localhost` (and `*.localhost`), `127.x.y.z`, `::1`. */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '0:0:0:0:0:0:0:1';
}

/**
 * Validates `webhookUrl`: an absolute `https://` URL (carriers call it over the internet, and a
 * plain-http webhook leaks the call's data and stream tokens); `http://` only for a loopback host
 * (local tests). Returns it without a trailing slash.
 */
export function checkWebhookUrl(value: unknown): string {
  if (typeof value !== 'string') throw new ConfigError('webhookUrl', 'expected the public https URL of this server, e.g. https://abc.ngrok.app');
  const normalized = normalizeBaseUrl(value, 'webhookUrl');
  const url = new URL(normalized);
  if (url.protocol === 'https:') return normalized;
  if (url.protocol === 'http:') {
    if (isLoopbackHostname(url.hostname)) return normalized;
    throw new ConfigError('webhookUrl', `must be https:// (carriers call it over the internet); http:// is only for localhost, got ${url.origin}`);
  }
  throw new ConfigError('webhookUrl', `must be an https:// URL, got ${url.protocol}`);
}
