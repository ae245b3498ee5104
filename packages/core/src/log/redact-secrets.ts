/** Field names whose values are never logged (compared lower-case, without `_`/`-`). */
const SECRET_KEYS = new Set([
  'apikey', 'authtoken', 'token', 'secret', 'password', 'signature', 'authorization', 'cookie', 'xapikey',
  'streamtoken', 'accesstoken', 'clientsecret',
]);

/** Query parameters that carry credentials in URLs (`?token=…`, `?api_key=…`). */
const SECRET_QUERY = /([?&](?:token|access_token|api_key|apikey|key|signature|sig|auth|authorization)=)[^&#\s"']+/gi;
/** `user:password@` in URLs. */
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi;
/** `Bearer …` / `Token …` / `Basic …` credentials inside text. */
const AUTH_SCHEME = /\b(Bearer|Token|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g;

/** `"token": "…"` and the like inside JSON text (a vendor's error body echoing a request). */
const JSON_SECRET = /("[a-z0-9_-]*(?:token|secret|signature|password|api[_-]?key|authorization)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

const MASK = '***';

/** Masks credentials inside a string: URL query tokens, URL user info, authorization schemes, JSON secret fields. */
export function redactText(text: string): string {
  if (!text.includes('=') && !text.includes('@') && !text.includes('"') && !/Bearer|Token|Basic/.test(text)) return text;
  return text
    .replace(SECRET_QUERY, `$1${MASK}`)
    .replace(URL_CREDENTIALS, `$1${MASK}@`)
    .replace(AUTH_SCHEME, `$1 ${MASK}`)
    .replace(JSON_SECRET, `$1"${MASK}"`);
}

function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[_-]/g, '');
  // A carrier's webhook signature header (`X-<Carrier>-Signature…`) is a secret whatever its prefix.
  return SECRET_KEYS.has(normalized) || normalized.includes('signature');
}

/**
 * A copy of log fields safe to write: values of secret-named fields are masked, strings are
 * scrubbed of URL tokens and credentials, nested objects and arrays too (depth-limited; cycles
 * cut). Used by the console logger on every line it writes.
 */
export function redactSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth > 6 || seen.has(value)) return '[…]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = isSecretKey(key) && item !== undefined && item !== null && item !== '' ? MASK : redactSecrets(item, depth + 1, seen);
  }
  return out;
}
