import { PatterError, type PatterErrorOptions } from './patter-error.js';

/**
 * Bad options, raised at construction. `option` names the offending option (`voice`,
 * `apiKey`, …) and `envVar` the environment variable that could have supplied it.
 */
export class ConfigError extends PatterError {
  readonly option: string;
  readonly envVar: string | undefined;

  constructor(option: string, message: string, options: PatterErrorOptions & { envVar?: string } = {}) {
    super(`${option}: ${message}`, options);
    this.option = option;
    this.envVar = options.envVar;
  }
}
