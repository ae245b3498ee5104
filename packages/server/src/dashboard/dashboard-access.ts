import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isIP, isIPv4 } from 'node:net';
import type { IncomingMessage } from 'node:http';

const COOKIE = 'patter_dashboard';
const COOKIE_MAX_AGE_S = 12 * 60 * 60;

/**
 * Who may see the dashboard. In development, this machine: a loopback client whose `Host` is
 * loopback too (a DNS-rebinding page sends its own name; a tunnel keeps the public one). Anyone
 * else proves the secret: `Authorization: Bearer <secret>`, or the HttpOnly SameSite=Strict
 * cookie the login form sets (an HMAC of the secret, never the secret). The API only reads;
 * the one request that acts (login) must be same-origin, so a foreign page cannot drive it.
 */
export class DashboardAccess {
  private readonly secretDigest: Buffer | undefined;
  private readonly cookieValue: string | undefined;

  constructor(
    secret: string | undefined,
    private readonly loopbackOpen: boolean,
  ) {
    if (secret !== undefined) {
      this.secretDigest = digest(secret);
      this.cookieValue = createHmac('sha256', secret).update('patter-dashboard-login-v1').digest('base64url');
    }
  }

  admit(request: IncomingMessage): boolean {
    if (this.loopbackOpen && isLoopbackAddress(request.socket.remoteAddress) && isLoopbackHost(request.headers.host)) return true;
    if (!this.secretDigest || !this.cookieValue) return false;
    const auth = request.headers.authorization;
    if (auth?.startsWith('Bearer ') && timingSafeEqual(digest(auth.slice(7)), this.secretDigest)) return true;
    const cookie = readCookie(request.headers.cookie, COOKIE);
    return cookie !== undefined && timingSafeEqual(digest(cookie), digest(this.cookieValue));
  }

  get hasSecret(): boolean {
    return this.secretDigest !== undefined;
  }

  checkSecret(candidate: string): boolean {
    return this.secretDigest !== undefined && timingSafeEqual(digest(candidate), this.secretDigest);
  }

  loginCookie(secure: boolean): string {
    return `${COOKIE}=${this.cookieValue ?? ''}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=${COOKIE_MAX_AGE_S}${secure ? '; Secure' : ''}`;
  }
}

/** `Origin` present and naming the request's `Host`. */
export function isSameOrigin(request: IncomingMessage): boolean {
  const { origin, host } = request.headers;
  if (origin === undefined || host === undefined) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const bare = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  if (isIPv4(bare)) return bare.startsWith('127.');
  return bare === '::1';
}

function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) !== 0 && isLoopbackAddress(bare);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function readCookie(cookies: string | undefined, name: string): string | undefined {
  if (cookies === undefined) return undefined;
  for (const part of cookies.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
