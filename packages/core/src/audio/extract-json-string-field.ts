/**
 * The string value of the first member named `field` (at any depth) of the JSON text `json`,
 * found by string search instead of `JSON.parse` of the whole message: a 20 ms media message
 * parses in about 2 µs; this takes a fraction of that. Made for hot-path messages of a known
 * shape (`{"event":"media",…,"media":{"payload":"<base64>"}}`); read the rest with `JSON.parse`.
 *
 * Exact for valid JSON: a key is matched only at an unescaped quote, and a value holding escapes
 * is unescaped by `JSON.parse`. Returns `undefined` when there is no such member or its value is
 * not a string. `field` must be a plain name (no quotes or backslashes).
 */
export function extractJsonStringField(json: string, field: string): string | undefined {
  // The key is searched as `field` and its quotes checked in place (no `"field"` string built per call).
  let from = 1;
  for (;;) {
    const name = json.indexOf(field, from);
    if (name < 0) return undefined;
    from = name + 1;
    const at = name - 1;
    if (json.charCodeAt(at) !== 34 /* " */ || json.charCodeAt(name + field.length) !== 34 || escaped(json, at)) continue;
    let i = skipSpace(json, name + field.length + 1);
    if (json.charCodeAt(i) !== 58 /* : */) continue;
    i = skipSpace(json, i + 1);
    if (json.charCodeAt(i) !== 34 /* " */) return undefined;
    const start = i + 1;
    let end = json.indexOf('"', start);
    while (end >= 0 && escaped(json, end)) end = json.indexOf('"', end + 1);
    if (end < 0) return undefined;
    const backslash = json.indexOf('\\', start);
    if (backslash < 0 || backslash > end) return json.slice(start, end);
    try {
      return JSON.parse(json.slice(start - 1, end + 1)) as string;
    } catch {
      return undefined;
    }
  }
}

/** Whether the character at `at` is preceded by an odd number of backslashes. */
function escaped(json: string, at: number): boolean {
  let n = 0;
  while (at - 1 - n >= 0 && json.charCodeAt(at - 1 - n) === 92) n++;
  return (n & 1) === 1;
}

function skipSpace(json: string, i: number): number {
  for (;;) {
    const c = json.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return i;
    i++;
  }
}
