import { MULAW_8K } from '../../audio/audio-format.js';
import { comfortTone } from '../../audio/comfort-tone.js';
import { synthesizeClip } from '../../tts/synthesize-clip.js';
import { createFrameConverter } from '../pipeline/audio-path.js';
import { HoldAudioPlayer, type HoldAudioSink } from './hold-audio-player.js';
import { resolveHoldAudio } from './hold-audio-options.js';
import type { SessionContext } from '../session-context.js';

/** The longest spoken filler kept (ms). */
const MAX_FILLER_MS = 10_000;

/**
 * The call's hold-audio player from the agent's `holdAudio` option, or `undefined` when it is
 * off. The clip is made for the sink's format: the built-in tone synthesized in code, the
 * user's μ-law 8 kHz clip converted, or the filler words synthesized once per call by the
 * agent's TTS (their characters count in the call's usage).
 */
export function createHoldAudio(context: SessionContext, sink: HoldAudioSink, canStart: () => boolean): HoldAudioPlayer | undefined {
  const { agent, logger } = context;
  const options = resolveHoldAudio(agent.holdAudio, agent.tts !== undefined);
  if (!options) return undefined;
  const { sound } = options;
  const tts = agent.tts;
  const clip = (): Uint8Array | undefined | Promise<Uint8Array | undefined> => {
    if (sound === 'tone') return comfortTone(sink.format);
    if (sound instanceof Uint8Array) {
      const convert = createFrameConverter(MULAW_8K, sink.format);
      return convert ? convert(sound) : sound;
    }
    if (!tts) return undefined;
    return synthesizeClip(tts, options.fillerText, sink.format, {
      signal: context.signal,
      maxMs: MAX_FILLER_MS,
      logger,
      callId: context.callId(),
      onUsage: (usage) => context.usage.add(tts.key, 'characters', usage.characters),
    });
  };
  return new HoldAudioPlayer({
    afterMs: options.afterMs,
    clip,
    loop: sound !== 'filler',
    sink,
    canStart,
    logger,
    callId: context.callId,
  });
}
