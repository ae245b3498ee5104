import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header a post-call webhook is signed in: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const POST_CALL_SIGNATURE_HEADER = 'patter-signature';

/** Signs `body` at `timestampS`: HMAC-SHA256 with `secret` over `${timestampS}.${body}`. */
export function signPostCall(body: string, secret: string, timestampS: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex');
  return `t=${timestampS},v1=${mac}`;
}

/**
 * Checks a post-call webhook on the receiving side: the signature over the raw body, and a
 * timestamp within `toleranceS` of `nowS` (default 5 minutes) so a captured request cannot be
 * replayed later.
 *
 * @example
 * if (!verifyPostCallSignature(rawBody, req.headers['patter-signature'], process.env.POST_CALL_SECRET)) return res.status(401).end();
 */
export function verifyPostCallSignature(
  body: string,
  header: string | undefined,
  secret: string,
  options: { readonly toleranceS?: number; readonly nowS?: number } = {},
): boolean {
  if (header === undefined) return false;
  const fields = new Map(header.split(',').map((part) => part.trim().split('=', 2) as [string, string]));
  const timestamp = Number(fields.get('t'));
  const given = fields.get('v1');
  if (!Number.isInteger(timestamp) || given === undefined || !/^[0-9a-f]{64}$/.test(given)) return false;
  const now = options.nowS ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceS ?? 300)) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}
