import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';

/** Webhook parameters: a parsed form body (repeated names allowed) or a plain record. */
export type TwilioParams = URLSearchParams | Readonly<Record<string, string | readonly string[]>>;

/**
 * `X-Twilio-Signature` for `url` and form `params`: base64(HMAC-SHA1(authToken, url + sorted
 * name+value pairs)). Repeated names are de-duplicated and sorted by value, as twilio-node does.
 */
export function twilioSignature(authToken: string, url: string, params: TwilioParams = {}): string {
  const grouped = new Map<string, string[]>();
  const entries: Iterable<[string, string | readonly string[]]> = params instanceof URLSearchParams ? params.entries() : Object.entries(params);
  for (const [name, value] of entries) {
    const list = grouped.get(name) ?? [];
    if (typeof value === 'string') list.push(value);
    else list.push(...value);
    grouped.set(name, list);
  }
  let data = url;
  for (const name of [...grouped.keys()].sort()) {
    const values = grouped.get(name)!;
    const unique = values.length === 1 ? values : [...new Set(values)].sort();
    for (const value of unique) data += name + value;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * The URL spellings Twilio may have signed, as twilio-node tries them: the URL as received with
 * the port removed and added, then the WHATWG-normalized URL (port removed/added), each also with
 * its query re-encoded the legacy `querystring` way.
 */
export function twilioUrlVariants(url: string): string[] {
  const variants = new Set<string>([removePort(url), addPort(url)]);
  const normalized = new URL(url).toString();
  for (const base of [removePort(normalized), addPort(normalized)]) {
    variants.add(base);
    variants.add(legacyQuery(base));
  }
  return [...variants];
}

/** Whether `signature` matches any URL variant of `url` with `params` (form-encoded webhooks). */
export function validateTwilioSignature(authToken: string, signature: string | undefined, url: string, params: TwilioParams = {}): boolean {
  if (!signature) return false;
  let variants: string[];
  try {
    variants = twilioUrlVariants(url);
  } catch {
    return false;
  }
  let valid = false;
  for (const variant of variants) valid = safeEqual(signature, twilioSignature(authToken, variant, params)) || valid;
  return valid;
}

/** Whether a JSON-body webhook is genuine: the URL (with `bodySHA256`) is signed and the body hashes to it. */
export function validateTwilioJsonSignature(authToken: string, signature: string | undefined, url: string, rawBody: Buffer | string): boolean {
  let expected: string | null;
  try {
    expected = new URL(url).searchParams.get('bodySHA256');
  } catch {
    return false;
  }
  if (expected === null) return false;
  const hash = createHash('sha256').update(rawBody.length === 0 ? '{}' : rawBody).digest('hex');
  return validateTwilioSignature(authToken, signature, url, {}) && safeEqual(expected, hash);
}

/** Splits `scheme://userinfo@host:port/rest` without normalizing anything. */
function splitUrl(url: string): { scheme: string; userInfo: string; host: string; port: string; rest: string } | undefined {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!match) return undefined;
  const authority = match[2]!;
  const userInfoEnd = authority.lastIndexOf('@');
  const hostAndPort = authority.slice(userInfoEnd + 1);
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme: match[1]!,
    userInfo: authority.slice(0, userInfoEnd + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(match[0].length),
  };
}

function addPort(url: string): string {
  const parts = splitUrl(url);
  if (!parts || parts.port) return url;
  const port = parts.scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  return parts.scheme + parts.userInfo + parts.host + port + parts.rest;
}

function removePort(url: string): string {
  const parts = splitUrl(url);
  return parts ? parts.scheme + parts.userInfo + parts.host + parts.rest : url;
}

/** The URL with its query re-encoded the way Node's legacy `querystring` does. */
function legacyQuery(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1 || queryStart === url.length - 1) return url;
  return `${url.slice(0, queryStart)}?${stringifyQuery(parseQuery(url.slice(queryStart + 1)))}`;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
