/** Fields shown first on a pretty line, in this order (when present). */
const LEADING = ['callId', 'carrier', 'provider', 'event', 'reason'];
/** Fields a pretty line leaves out (shown by the JSON format). */
const HIDDEN = new Set(['level', 'time', 'msg', 'name', 'traceId', 'spanId']);

const LEVEL_LABEL: Record<string, string> = { debug: 'DEBUG', info: 'INFO ', warn: 'WARN ', error: 'ERROR' };
const LEVEL_COLOR: Record<string, string> = { debug: '\x1b[90m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };

/**
 * One log record as a single readable line for a terminal:
 * `12:04:05.123 INFO  call started callId=CA12… carrier=twilio direction=inbound`.
 * Strings with spaces are quoted; objects are compact JSON; an error shows its name and message.
 */
export function formatPrettyLine(record: Record<string, unknown>, color = false): string {
  const level = String(record.level ?? 'info');
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString().slice(11, 23) : '';
  const label = LEVEL_LABEL[level] ?? level.toUpperCase();
  const parts = [time, color ? `${LEVEL_COLOR[level] ?? ''}${label}\x1b[0m` : label, String(record.msg ?? '')];
  const keys = Object.keys(record).filter((key) => !HIDDEN.has(key));
  keys.sort((a, b) => rank(a) - rank(b));
  for (const key of keys) {
    const value = record[key];
    if (value === undefined) continue;
    parts.push(`${key}=${show(value)}`);
  }
  return parts.filter((part) => part !== '').join(' ');
}

function rank(key: string): number {
  const at = LEADING.indexOf(key);
  return at < 0 ? LEADING.length : at;
}

function show(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value !== null && typeof value === 'object' && 'message' in value && 'name' in value) {
    const err = value as { name: unknown; message: unknown };
    return JSON.stringify(`${String(err.name)}: ${String(err.message)}`);
  }
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
