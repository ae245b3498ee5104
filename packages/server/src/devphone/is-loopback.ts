import { isIPv4 } from 'node:net';

/** Whether a socket address is this machine's loopback: `127.0.0.0/8`, `::1`, or `::ffff:127.x.y.z`. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const bare = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  if (isIPv4(bare)) return bare.startsWith('127.');
  return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
}

/**
 * Whether a request's `Host` names loopback: `localhost` (and `*.localhost`, which browsers
 * resolve to loopback themselves), `127.x.y.z` or `[::1]`, any port. A LAN address, a tunnel or
 * public name, and a DNS-rebinding name (`evil.example` re-pointed at 127.0.0.1) all fail.
 */
export function isLoopbackHost(hostHeader: string | undefined): boolean {
  if (hostHeader === undefined) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  return isLoopbackAddress(hostname.startsWith('[') ? hostname.slice(1, -1) : hostname);
}
