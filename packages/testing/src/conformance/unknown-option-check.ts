import { ConfigError } from '@patter/core';
import { assert, assertEqual } from './check-helpers.js';
import type { ConformanceCheck } from './conformance-check.js';

/**
 * An unknown option fails at construction with a ConfigError naming it: a misspelled one with a
 * did-you-mean, a made-up one listing the known options. `create` builds the provider from
 * `options` as given (the check adds the unknown key to `base`).
 */
export function unknownOptionCheck(
  create: (options: Record<string, unknown>) => unknown,
  base: Record<string, unknown>,
  [misspelled, suggestion]: readonly [misspelled: string, suggestion: string],
): ConformanceCheck {
  return {
    name: 'an unknown option fails at construction with a ConfigError naming it, with a did-you-mean',
    run: async () => {
      for (const [option, expected] of [
        [misspelled, `did you mean ${suggestion}?`],
        ['nonsenseOption', 'known: apiKey'],
      ] as const) {
        let error: unknown;
        try {
          create({ ...base, [option]: 1 });
        } catch (caught) {
          error = caught;
        }
        assert(error instanceof ConfigError, `expected a ConfigError for ${option}, got ${String(error)}`);
        assertEqual(error.option, option, 'error.option');
        assert(error.message.includes('unknown') && error.message.includes(expected), `the error does not say "${expected}": ${error.message}`);
      }
    },
  };
}
