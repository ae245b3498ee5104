import { traceFieldsFor } from '../telemetry/call-trace-context.js';
import { formatPrettyLine } from './format-pretty-line.js';
import { redactSecrets } from './redact-secrets.js';

/**
 * The logging contract: pino-compatible (`logger.info({ callId }, 'call started')`), so a pino
 * instance can be passed wherever a `Logger` is taken. Messages are static strings; data goes
 * in the first argument's fields. Never log secrets, transcripts or raw phone numbers.
 */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  child(fields: Record<string, unknown>): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface ConsoleLoggerOptions {
  readonly level?: LogLevel;
  readonly bindings?: Record<string, unknown>;
  /** Where lines go, one per record. Defaults to stderr. */
  readonly write?: (line: string) => void;
  /**
   * `json` (one JSON object per line) or `pretty` (one readable line: time, level, message, call
   * id, key fields). Default: `pretty` when writing to a terminal, else `json`; `PATTER_LOG_FORMAT`
   * overrides.
   */
  readonly format?: 'json' | 'pretty';
}

/**
 * A small logger used when the app passes none (pass a pino instance to use pino). Level from
 * `PATTER_LOG_LEVEL`. Every line is scrubbed of secrets (secret-named fields, URL tokens,
 * authorization values), and a line about a traced call carries its `traceId` and `spanId`.
 */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const level = options.level ?? readLevel(process.env.PATTER_LOG_LEVEL);
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const format = options.format ?? readFormat(process.env.PATTER_LOG_FORMAT, options.write === undefined && process.stderr.isTTY === true);
  const color = options.write === undefined && process.stderr.isTTY === true;
  const bindings = options.bindings ?? {};
  const threshold = ORDER[level];
  const log = (lvl: Exclude<LogLevel, 'silent'>) => (fields: Record<string, unknown>, message: string) => {
    if (ORDER[lvl] < threshold) return;
    const record: Record<string, unknown> = { level: lvl, time: Date.now(), ...bindings, ...serializeErrors(fields), msg: message };
    const callId = record.callId;
    const trace = typeof callId === 'string' ? traceFieldsFor(callId) : undefined;
    const safe = redactSecrets(trace ? { ...record, ...trace } : record) as Record<string, unknown>;
    write(format === 'pretty' ? formatPrettyLine(safe, color) : JSON.stringify(safe));
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (fields) => createConsoleLogger({ level, write, format, bindings: { ...bindings, ...fields } }),
  };
}

/**
 * Wraps any pino-compatible logger so lines about a traced call carry `traceId` and `spanId`
 * (pino's own OpenTelemetry instrumentation needs an active context, which a call's events
 * do not run in). The console logger does this itself.
 */
export function withTraceIds(logger: Logger): Logger {
  const wrap = (method: (fields: Record<string, unknown>, message: string) => void) => (fields: Record<string, unknown>, message: string) => {
    const callId = fields.callId;
    const trace = typeof callId === 'string' ? traceFieldsFor(callId) : undefined;
    method(trace ? { ...fields, ...trace } : fields, message);
  };
  return {
    debug: wrap(logger.debug.bind(logger)),
    info: wrap(logger.info.bind(logger)),
    warn: wrap(logger.warn.bind(logger)),
    error: wrap(logger.error.bind(logger)),
    child: (fields) => withTraceIds(logger.child(fields)),
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = createConsoleLogger({ level: 'silent' });

function readFormat(value: string | undefined, terminal: boolean): 'json' | 'pretty' {
  if (value === 'json' || value === 'pretty') return value;
  return terminal ? 'pretty' : 'json';
}

function readLevel(value: string | undefined): LogLevel {
  return value !== undefined && value in ORDER ? (value as LogLevel) : 'info';
}

function serializeErrors(fields: Record<string, unknown>): Record<string, unknown> {
  const err = fields.err;
  if (!(err instanceof Error)) return fields;
  return { ...fields, err: { name: err.name, message: err.message, ...(err as object) } };
}
