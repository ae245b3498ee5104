import { describeFormat, sameFormat, type AudioFormat } from '../audio/audio-format.js';
import { ConfigError } from '../errors/config-error.js';

/** Converts one frame; stateful (resampler history) for one direction of one call. */
export type FrameConverter = (frame: Uint8Array) => Uint8Array;

/**
 * The format to ask a provider for: `wanted` itself when the provider offers it (bytes then
 * pass through untouched), else the provider's best format (and a converter is needed).
 */
export function chooseFormat(offered: readonly AudioFormat[], wanted: AudioFormat, option: string): AudioFormat {
  const match = offered.find((format) => sameFormat(format, wanted));
  if (match) return match;
  const first = offered[0];
  if (!first) throw new ConfigError(option, 'the provider declares no audio format');
  return first;
}

/**
 * A converter from `from` to `to`, or `undefined` when they are the same (pass-through).
 * The codecs/resampler module plugs in here.
 */
export function createFrameConverter(from: AudioFormat, to: AudioFormat, option: string): FrameConverter | undefined {
  if (sameFormat(from, to)) return undefined;
  throw new ConfigError(option, `no audio converter from ${describeFormat(from)} to ${describeFormat(to)}`);
}
