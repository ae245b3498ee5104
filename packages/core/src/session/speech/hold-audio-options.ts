import { ConfigError } from '../../errors/config-error.js';

/**
 * What the caller hears while a tool runs longer than `afterMs`, until the reply starts (it fades
 * out then). `sound`: `'tone'` — a soft built-in chime, looped; `'filler'` — `fillerText` spoken
 * once through the agent's TTS (pipeline mode only); or a clip of your own as μ-law 8 kHz bytes
 * (converted to the carrier's format), looped.
 */
export interface HoldAudioOptions {
  /** How long a tool may run in silence. Default 1500 ms. */
  readonly afterMs?: number;
  /** Default `'tone'`. */
  readonly sound?: 'tone' | 'filler' | Uint8Array;
  /** The words of `sound: 'filler'`. Default "One moment." */
  readonly fillerText?: string;
}

export interface ResolvedHoldAudio {
  readonly afterMs: number;
  readonly sound: 'tone' | 'filler' | Uint8Array;
  readonly fillerText: string;
}

export const HOLD_AUDIO_DEFAULTS = { afterMs: 1500, sound: 'tone', fillerText: 'One moment.' } as const;

/**
 * The agent's `holdAudio` option with defaults (`true` → defaults, `false`/unset → off). Throws
 * `ConfigError('holdAudio')` for a bad value; `pipeline` says whether the agent has a TTS to speak a filler.
 */
export function resolveHoldAudio(value: unknown, pipeline: boolean): ResolvedHoldAudio | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return HOLD_AUDIO_DEFAULTS;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('holdAudio', 'expected true, false or { afterMs, sound, fillerText }');
  }
  const options = value as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!['afterMs', 'sound', 'fillerText'].includes(key)) throw new ConfigError('holdAudio', `unknown option "${key}" (afterMs, sound, fillerText)`);
  }
  const afterMs = options.afterMs ?? HOLD_AUDIO_DEFAULTS.afterMs;
  if (typeof afterMs !== 'number' || !Number.isFinite(afterMs) || afterMs < 0) {
    throw new ConfigError('holdAudio', 'afterMs must be a non-negative number of milliseconds');
  }
  const sound = options.sound ?? HOLD_AUDIO_DEFAULTS.sound;
  if (sound !== 'tone' && sound !== 'filler' && !(sound instanceof Uint8Array)) {
    throw new ConfigError('holdAudio', "sound must be 'tone', 'filler' or a Uint8Array of μ-law 8 kHz audio");
  }
  if (sound instanceof Uint8Array && sound.length < 160) throw new ConfigError('holdAudio', 'a sound clip must hold at least 20 ms (160 bytes of μ-law 8 kHz)');
  if (sound === 'filler' && !pipeline) {
    throw new ConfigError('holdAudio', "sound 'filler' speaks through the agent's tts, and an engine agent has none: use 'tone' or a clip");
  }
  const fillerText = options.fillerText ?? HOLD_AUDIO_DEFAULTS.fillerText;
  if (typeof fillerText !== 'string' || fillerText.trim() === '') throw new ConfigError('holdAudio', 'fillerText must be a non-empty string');
  return { afterMs, sound, fillerText };
}
