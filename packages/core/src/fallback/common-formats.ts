import { describeFormat, sameFormat, type AudioFormat } from '../audio/audio-format.js';
import { ConfigError } from '../errors/config-error.js';

/**
 * The formats every member supports, in the first member's order of preference: whichever
 * member serves, the session gets the format it negotiated. No format in common is a
 * ConfigError naming `providers` (pin one shared format on each member, e.g. `forTwilio()`).
 */
export function commonFormats(lists: readonly (readonly AudioFormat[])[], what: string): readonly AudioFormat[] {
  const [first = [], ...rest] = lists;
  const common = first.filter((f) => rest.every((list) => list.some((g) => sameFormat(f, g))));
  if (common.length === 0) {
    const listed = lists.map((list) => list.map(describeFormat).join('|')).join(' vs ');
    throw new ConfigError('providers', `the ${what} providers share no audio format (${listed}); pin one format on each`);
  }
  return common;
}
