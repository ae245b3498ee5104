import { describeFormat, sameFormat, type AudioFormat } from '../audio/audio-format.js';
import { ConfigError } from '../errors/config-error.js';

/**
 * The format a synthesis should produce: `requested` when the provider offers it, else the
 * provider's first (best) format. Asking for a format the vendor cannot produce is a
 * `ConfigError` naming `format`, never a silent conversion.
 */
export function resolveOutputFormat(
  provider: string,
  outputFormats: readonly AudioFormat[],
  requested: AudioFormat | undefined,
): AudioFormat {
  const first = outputFormats[0];
  if (first === undefined) throw new ConfigError('format', `${provider} declares no output format`);
  if (requested === undefined) return first;
  const match = outputFormats.find((f) => sameFormat(f, requested));
  if (match) return match;
  throw new ConfigError(
    'format',
    `${provider} cannot produce ${describeFormat(requested)}; it offers ${outputFormats.map(describeFormat).join(', ')}`,
  );
}
