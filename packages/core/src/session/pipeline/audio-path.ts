import type { AudioFormat } from '../../audio/audio-format.js';
import { createAudioConverter } from '../../audio/audio-converter.js';
import { copyFrame, type FrameSlab } from '../../audio/frame-slab.js';
import { negotiateFormat } from '../../audio/negotiate-format.js';
import { ConfigError } from '../../errors/config-error.js';

/** Converts one frame; stateful (resampler history) for one direction of one call. */
export type FrameConverter = (frame: Uint8Array) => Uint8Array;

/**
 * The format to ask a provider for, among those it `offered`: `wanted` itself when offered
 * (bytes then pass through untouched), else the one cheapest to convert to/from `wanted`
 * (same rate before resampling, nearest rate first).
 */
export function chooseFormat(offered: readonly AudioFormat[], wanted: AudioFormat, option: string): AudioFormat {
  if (offered.length === 0) throw new ConfigError(option, 'the provider declares no audio format');
  return negotiateFormat(wanted, offered).target;
}

/**
 * A converter from `from` to `to`, or `undefined` when they are the same (pass-through, no
 * copy). Each converted frame is a fresh array (the transport and the STT may queue it), carved
 * from a shared slab: caller frames' by default, `agentAudio` for audio queued for playout.
 * No backing store is allocated per frame.
 */
export function createFrameConverter(from: AudioFormat, to: AudioFormat, slab?: FrameSlab): FrameConverter | undefined {
  const converter = createAudioConverter(from, to);
  if (converter.passThrough) return undefined;
  if (slab) return (frame) => slab.copy(converter.convert(frame));
  return (frame) => copyFrame(converter.convert(frame));
}
