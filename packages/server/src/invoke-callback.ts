import type { Logger } from '@patter/core';

/**
 * Runs a user callback without letting it break the call: a synchronous throw or a rejected
 * promise is logged with the callback's name and swallowed.
 */
export function invokeCallback<Args extends unknown[]>(
  logger: Logger,
  name: string,
  callback: ((...args: Args) => unknown) | undefined,
  ...args: Args
): void {
  if (!callback) return;
  try {
    const result = callback(...args);
    if (result instanceof Promise) result.catch((err: unknown) => logger.error({ err, callback: name }, 'user callback failed'));
  } catch (err) {
    logger.error({ err, callback: name }, 'user callback failed');
  }
}
