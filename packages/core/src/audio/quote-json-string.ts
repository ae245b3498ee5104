const PLAIN = /^[A-Za-z0-9+/=_.:\- ]*$/;

/**
 * `value` as a JSON string literal, like `JSON.stringify(value)`, without the call when the text
 * needs no escaping (base64 payloads, ids). For building hot-path messages by concatenation:
 * `'{"event":"media","media":{"payload":' + quoteJsonString(b64) + '}}'`.
 */
export function quoteJsonString(value: string): string {
  return PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
}
