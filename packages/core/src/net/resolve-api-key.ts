import { ConfigError } from '../errors/config-error.js';

/**
 * The API key from the option, else from `envVar`. Throws a `ConfigError` naming both when
 * neither is set. Read in the constructor, never at import time.
 */
export function resolveApiKey(value: string | undefined, envVar: string, option = 'apiKey'): string {
  const key = value ?? process.env[envVar];
  if (key === undefined || key.trim() === '') {
    throw new ConfigError(option, `missing; pass ${option} or set the ${envVar} environment variable`, { envVar });
  }
  return key;
}
