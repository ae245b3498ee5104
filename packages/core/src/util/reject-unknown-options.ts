import { ConfigError } from '../errors/config-error.js';
import { didYouMean } from './did-you-mean.js';

/**
 * Throws `ConfigError` naming the first key of `options` that is not in `known` (keys whose value
 * is `undefined` are ignored), with a did-you-mean when a known option is close:
 * `sytemPrompt: unknown agent option; did you mean systemPrompt?`. `what` names the options
 * object in the message (`agent option`, `Deepgram option` …).
 */
export function rejectUnknownOptions(options: object, known: Iterable<string>, what = 'option'): void {
  const allowed = known instanceof Set ? (known as Set<string>) : new Set(known);
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || allowed.has(key)) continue;
    const suggestion = didYouMean(key, allowed);
    throw new ConfigError(key, `unknown ${what}${suggestion === undefined ? `; known: ${[...allowed].join(', ')}` : `; did you mean ${suggestion}?`}`);
  }
}
