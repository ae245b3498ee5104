/**
 * Telnyx echoes `client_state` (base64, set on commands) on every later webhook and on the
 * stream's `start`. Patter stores a small JSON object of strings in it: the `callRef`, the call's
 * direction and the user's stream parameters.
 */
export function encodeClientState(state: Readonly<Record<string, string>>): string {
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64');
}

/** The string fields of a `client_state`; `{}` when absent or not ours. */
export function decodeClientState(value: string | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!value) return out;
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null) {
      for (const [key, item] of Object.entries(parsed)) if (typeof item === 'string') out[key] = item;
    }
  } catch {
    // Someone else's client_state: no parameters.
  }
  return out;
}
