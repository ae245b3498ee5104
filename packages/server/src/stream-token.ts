import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Why a stream token was refused. */
export type StreamTokenFailure = 'missing' | 'malformed' | 'expired' | 'invalid';

export type StreamTokenCheck = { readonly ok: true } | { readonly ok: false; readonly reason: StreamTokenFailure };

const CALL_REF = /^[A-Za-z0-9_-]{8,64}$/;
const SIGNATURE_LENGTH = 43; // base64url of 32 bytes, unpadded

/**
 * Short-lived HMAC-SHA256 tokens bound to one call reference. The token is
 * `<expiry seconds, base36>.<base64url signature of "callRef.expiry">`, so a token minted for one
 * call does not open another call's stream, and a stale one is refused. The secret is random per
 * process unless given (several instances behind a load balancer must share it).
 */
export class StreamToken {
  private readonly secret: Buffer;

  constructor(secret?: string | Buffer, private readonly now: () => number = Date.now) {
    this.secret = secret === undefined ? randomBytes(32) : Buffer.from(secret);
  }

  static isCallRef(value: string): boolean {
    return CALL_REF.test(value);
  }

  sign(callRef: string, ttlMs: number): string {
    const expiry = Math.ceil((this.now() + ttlMs) / 1000).toString(36);
    return `${expiry}.${this.mac(callRef, expiry)}`;
  }

  verify(callRef: string, token: string | undefined): StreamTokenCheck {
    if (token === undefined || token === '') return { ok: false, reason: 'missing' };
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length - dot - 1 !== SIGNATURE_LENGTH || !CALL_REF.test(callRef)) {
      return { ok: false, reason: 'malformed' };
    }
    const expiry = token.slice(0, dot);
    const expected = Buffer.from(this.mac(callRef, expiry));
    const given = Buffer.from(token.slice(dot + 1));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
    const expiresAt = parseInt(expiry, 36) * 1000;
    if (!Number.isFinite(expiresAt) || expiresAt < this.now()) return { ok: false, reason: 'expired' };
    return { ok: true };
  }

  private mac(callRef: string, expiry: string): string {
    return createHmac('sha256', this.secret).update(`${callRef}.${expiry}`).digest('base64url');
  }
}
