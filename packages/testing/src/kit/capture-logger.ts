import type { Logger } from '@patter/core';

/** One line a `captureLogger` logger wrote. */
export interface CapturedLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly fields: Record<string, unknown>;
}

/** A logger that records what it is told (its children too), for tests that check what a plugin logs. */
export function captureLogger(): { readonly logger: Logger; readonly lines: CapturedLine[] } {
  const lines: CapturedLine[] = [];
  const make = (): Logger => ({
    debug: (fields, msg) => void lines.push({ level: 'debug', msg, fields }),
    info: (fields, msg) => void lines.push({ level: 'info', msg, fields }),
    warn: (fields, msg) => void lines.push({ level: 'warn', msg, fields }),
    error: (fields, msg) => void lines.push({ level: 'error', msg, fields }),
    child: () => make(),
  });
  return { logger: make(), lines };
}
