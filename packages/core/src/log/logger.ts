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
  /** Where lines go; one JSON object per line. Defaults to stderr. */
  readonly write?: (line: string) => void;
}

/** A small JSON-lines logger used when the app passes none. Level from `PATTER_LOG_LEVEL`. */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const level = options.level ?? readLevel(process.env.PATTER_LOG_LEVEL);
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const bindings = options.bindings ?? {};
  const threshold = ORDER[level];
  const log = (lvl: Exclude<LogLevel, 'silent'>) => (fields: Record<string, unknown>, message: string) => {
    if (ORDER[lvl] < threshold) return;
    write(JSON.stringify({ level: lvl, time: Date.now(), ...bindings, ...serializeErrors(fields), msg: message }));
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (fields) => createConsoleLogger({ level, write, bindings: { ...bindings, ...fields } }),
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = createConsoleLogger({ level: 'silent' });

function readLevel(value: string | undefined): LogLevel {
  return value !== undefined && value in ORDER ? (value as LogLevel) : 'info';
}

function serializeErrors(fields: Record<string, unknown>): Record<string, unknown> {
  const err = fields.err;
  if (!(err instanceof Error)) return fields;
  return { ...fields, err: { name: err.name, message: err.message, ...(err as object) } };
}
