import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { DEVPHONE_SECRET_HEADER, type DevPhoneOptions } from './devphone-options.js';
import { isLoopbackAddress, isLoopbackHost } from './is-loopback.js';
import { SecretAttempts } from './secret-attempts.js';

/** The parts of a request (HTTP or WebSocket upgrade) the dev phone's access rules read. */
export interface DevPhoneAccessRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly remoteAddress: string | undefined;
}

/** `local`: this machine; `secret`: another device that proved the secret; `refused`: neither. */
export type DevPhoneAdmission = 'local' | 'secret' | 'refused';

const COOKIE = 'patter_devphone';
/** How long a browser stays logged in. */
const COOKIE_MAX_AGE_S = 12 * 60 * 60;

/**
 * Who may use the dev phone. By default only this machine: a client whose socket address is
 * loopback AND whose `Host` names loopback (a tunnel or reverse proxy on this machine connects
 * from loopback but keeps the public `Host`, so it is not "this machine"). With a secret, other
 * devices too, once they log in (an HttpOnly, SameSite=Strict cookie derived from the secret) or
 * send the secret in a header. Requests that act (start a call, log in, open the stream) must also
 * be same-origin: `Origin` present and naming the `Host`.
 */
export class DevPhoneAccess {
  private readonly secretDigest: Buffer | undefined;
  private readonly cookieDigest: Buffer | undefined;
  private readonly cookieValue: string | undefined;
  private readonly isLocalAddress: (address: string | undefined) => boolean;
  private readonly attempts = new SecretAttempts();

  constructor(options: DevPhoneOptions = {}) {
    this.isLocalAddress = options.isLocalAddress ?? isLoopbackAddress;
    if (options.secret !== undefined) {
      this.secretDigest = digest(options.secret);
      // The cookie proves the secret without carrying it; a new secret logs every browser out.
      this.cookieValue = createHmac('sha256', options.secret).update('patter-devphone-login-v1').digest('base64url');
      this.cookieDigest = digest(this.cookieValue);
    }
  }

  /** Whether other devices may log in (a secret is set). */
  get remote(): boolean {
    return this.secretDigest !== undefined;
  }

  admit(request: DevPhoneAccessRequest): DevPhoneAdmission {
    if (this.isLocalAddress(request.remoteAddress) && isLoopbackHost(header(request, 'host'))) return 'local';
    if (!this.secretDigest || !this.cookieDigest) return 'refused';
    const sent = header(request, DEVPHONE_SECRET_HEADER);
    if (sent !== undefined) {
      if (this.attempts.blocked(request.remoteAddress)) return 'refused';
      if (timingSafeEqual(digest(sent), this.secretDigest)) return 'secret';
      this.attempts.fail(request.remoteAddress);
    }
    const cookie = readCookie(header(request, 'cookie'), COOKIE);
    if (cookie !== undefined && timingSafeEqual(digest(cookie), this.cookieDigest)) return 'secret';
    return 'refused';
  }

  /** Whether this client sent too many wrong secrets lately (it is refused for now, right secret or not). */
  throttled(request: DevPhoneAccessRequest): boolean {
    return this.attempts.blocked(request.remoteAddress);
  }

  /** Whether `candidate` (typed into the login form) is the secret; a wrong one counts against the client. */
  checkSecret(candidate: string, request: DevPhoneAccessRequest): boolean {
    if (this.secretDigest !== undefined && timingSafeEqual(digest(candidate), this.secretDigest)) return true;
    this.attempts.fail(request.remoteAddress);
    return false;
  }

  /** The `Set-Cookie` value that logs a browser in (`Secure` when the page is https). */
  loginCookie(secure: boolean): string {
    if (this.cookieValue === undefined) throw new Error('no dev phone secret');
    return `${COOKIE}=${this.cookieValue}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${COOKIE_MAX_AGE_S}${secure ? '; Secure' : ''}`;
  }
}

/** `Origin` present and naming the request's `Host` (scheme aside: a TLS proxy may sit in front). */
export function isSameOrigin(request: DevPhoneAccessRequest): boolean {
  const origin = header(request, 'origin');
  const host = header(request, 'host');
  if (origin === undefined || host === undefined) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false; // `Origin: null` (sandboxed and file:// pages) or garbage
  }
}

function header(request: DevPhoneAccessRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
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
