const PATTER_ERROR = Symbol.for('patter.error');

export interface PatterErrorOptions {
  readonly cause?: unknown;
}

/** The root of every error Patter throws. `PatterError.is` works across duplicate copies of core. */
export class PatterError extends Error {
  readonly [PATTER_ERROR] = true;

  constructor(message: string, options: PatterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }

  static is(value: unknown): value is PatterError {
    return typeof value === 'object' && value !== null && PATTER_ERROR in value;
  }
}
