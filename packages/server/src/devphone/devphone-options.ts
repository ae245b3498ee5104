import { ConfigError } from '@patter/core';

/** `devPhone: { … }` in `phone.serve()`: who may use the dev phone. */
export interface DevPhoneOptions {
  /**
   * Opens the dev phone to other devices (a phone on the LAN, a tunnel, the public URL): they log
   * in once with this secret (a form at `/phone`, which sets a same-site cookie) or send it in the
   * `x-patter-devphone-secret` header. At least 16 characters. Default `PATTER_DEVPHONE_SECRET`;
   * without one the dev phone answers this machine only (a loopback client under a loopback Host).
   */
  readonly secret?: string;
  /**
   * Advanced: whether a client socket address is this machine. Default: the loopback range
   * (`127.0.0.0/8`, `::1`). Tests replace it to play a client from elsewhere.
   */
  readonly isLocalAddress?: (address: string | undefined) => boolean;
}

/** The header a script sends the dev phone secret in (a browser logs in at `/phone` instead). */
export const DEVPHONE_SECRET_HEADER = 'x-patter-devphone-secret';

const MIN_SECRET_CHARS = 16;

/**
 * `devPhone` as given (boolean or options) → `false` (off) or its options, the secret filled from
 * `PATTER_DEVPHONE_SECRET`. Throws `ConfigError` naming the option.
 */
export function resolveDevPhoneOptions(value: unknown, env: NodeJS.ProcessEnv = process.env): false | DevPhoneOptions {
  if (value === false) return false;
  if (value !== true && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new ConfigError('devPhone', 'expected a boolean or { secret }');
  }
  const options = value === true ? {} : (value as DevPhoneOptions);
  const secret = options.secret ?? (env.PATTER_DEVPHONE_SECRET || undefined);
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < MIN_SECRET_CHARS)) {
    throw new ConfigError(
      options.secret === undefined ? 'PATTER_DEVPHONE_SECRET' : 'devPhone.secret',
      `expected a secret of at least ${MIN_SECRET_CHARS} characters`,
    );
  }
  if (options.isLocalAddress !== undefined && typeof options.isLocalAddress !== 'function') {
    throw new ConfigError('devPhone.isLocalAddress', 'expected a function');
  }
  return {
    ...(secret !== undefined && { secret }),
    ...(options.isLocalAddress !== undefined && { isLocalAddress: options.isLocalAddress }),
  };
}
