import { ConfigError } from '../errors/config-error.js';
import { type AudioFormat, sameFormat } from './audio-format.js';

/** One step of a conversion chain. Codec steps go through PCM16. */
export type ConversionStep =
  | { readonly kind: 'decode'; readonly from: 'mulaw' | 'alaw' }
  | { readonly kind: 'resample'; readonly fromRate: number; readonly toRate: number }
  | { readonly kind: 'encode'; readonly to: 'mulaw' | 'alaw' };

export interface FormatNegotiation {
  /** The accepted format to convert to (the very object from `accepted`). */
  readonly target: AudioFormat;
  /** Steps from the source to `target`; empty when `target` is the source format (pass-through). */
  readonly chain: readonly ConversionStep[];
}

/** Relative cost of a resampling step, against 1 for a codec step (table lookups). */
const RESAMPLE_COST = 10;

/**
 * Picks the cheapest format in `accepted` to convert `source` to, and the steps to get there.
 * Cost order: the identical format (no conversion at all); then the same rate in another encoding
 * (codec table lookups only, fewest steps first); then resampling, to the rate nearest the
 * source's (smallest ratio; on a tie, the lower rate). Ties keep `accepted`'s order, so list
 * preferred formats first.
 */
export function negotiateFormat(source: AudioFormat, accepted: readonly AudioFormat[]): FormatNegotiation {
  let best: FormatNegotiation | undefined;
  let bestCost = Infinity;
  for (const target of accepted) {
    const chain = conversionChain(source, target);
    const cost = chainCost(chain, target);
    if (cost < bestCost) {
      best = { target, chain };
      bestCost = cost;
    }
  }
  if (best === undefined) throw new ConfigError('accepted', 'no audio formats to choose from');
  return best;
}

/** The steps that turn `from` audio into `to` audio (empty when they are the same format). */
export function conversionChain(from: AudioFormat, to: AudioFormat): ConversionStep[] {
  if (sameFormat(from, to)) return [];
  const chain: ConversionStep[] = [];
  if (from.encoding !== 'pcm16') chain.push({ kind: 'decode', from: from.encoding });
  if (from.sampleRate !== to.sampleRate) chain.push({ kind: 'resample', fromRate: from.sampleRate, toRate: to.sampleRate });
  if (to.encoding !== 'pcm16') chain.push({ kind: 'encode', to: to.encoding });
  return chain;
}

function chainCost(chain: readonly ConversionStep[], target: AudioFormat): number {
  let cost = 0;
  for (const step of chain) {
    if (step.kind !== 'resample') cost += 1;
    else {
      const ratio = Math.abs(Math.log2(step.toRate / step.fromRate));
      // Nearest rate first; between equal ratios the lower rate (less to compute).
      cost += RESAMPLE_COST + ratio + target.sampleRate / 1e9;
    }
  }
  return cost;
}
