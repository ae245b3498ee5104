import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { ConfigError } from '@patter/core';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * The webhook public key as the Telnyx portal shows it: base64 of the raw 32-byte Ed25519 key.
 * A base64 SPKI DER key (44 bytes) is accepted too. Anything else throws a `ConfigError`.
 */
export function telnyxPublicKey(base64: string, option = 'publicKey'): KeyObject {
  const bytes = Buffer.from(base64.trim(), 'base64');
  let der: Buffer;
  if (bytes.length === 32) der = Buffer.concat([SPKI_PREFIX, bytes]);
  else if (bytes.length === 44 && bytes.subarray(0, 12).equals(SPKI_PREFIX)) der = bytes;
  else throw new ConfigError(option, 'must be the base64 Ed25519 public key from the Telnyx portal (32 bytes)');
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

export interface TelnyxVerifyOptions {
  /** Accepted clock difference, seconds. Default 300. */
  readonly toleranceSecs?: number;
  /** Current Unix time in seconds (tests). */
  readonly nowSecs?: number;
}

/** Why a webhook failed verification, or `ok`. */
export type TelnyxVerifyResult = 'ok' | 'missing headers' | 'bad timestamp' | 'stale timestamp' | 'bad signature';

/**
 * Verifies `telnyx-signature-ed25519` over `<telnyx-timestamp>|<raw body>`. The timestamp must be
 * a decimal number of seconds within the tolerance (non-numeric values are refused, unlike
 * telnyx-node); the signature must be 64 bytes of base64.
 */
export function verifyTelnyxSignature(
  key: KeyObject,
  signature: string | undefined,
  timestamp: string | undefined,
  rawBody: Buffer,
  options: TelnyxVerifyOptions = {},
): TelnyxVerifyResult {
  if (!signature || !timestamp) return 'missing headers';
  if (!/^\d{1,12}$/.test(timestamp)) return 'bad timestamp';
  const now = options.nowSecs ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSecs ?? 300)) return 'stale timestamp';
  const sig = Buffer.from(signature, 'base64');
  if (sig.length !== 64) return 'bad signature';
  const message = Buffer.concat([Buffer.from(`${timestamp}|`, 'utf8'), rawBody]);
  return verify(null, message, key, sig) ? 'ok' : 'bad signature';
}
