import { isIP } from 'node:net';

/**
 * Whether a request's `Host` names this server in a way a DNS-rebinding page cannot fake: an IP
 * literal (`127.0.0.1:8000`, `[::1]:8000`, a LAN address), `localhost` (and `*.localhost`, which
 * browsers resolve to loopback themselves), or the host of the server's public URL. A page at
 * `evil.example` whose name was re-pointed at 127.0.0.1 sends `Host: evil.example`, so matching
 * `Origin` against `Host` alone does not stop it.
 */
export function isTrustedHost(hostHeader: string | undefined, publicUrl: string): boolean {
  if (hostHeader === undefined) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return false;
  }
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (isIP(bare) !== 0) return true;
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  try {
    return hostname === new URL(publicUrl).hostname.toLowerCase();
  } catch {
    return false;
  }
}
