import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors/config-error.js';
import { HOLD_AUDIO_DEFAULTS, resolveHoldAudio } from './hold-audio-options.js';

describe('resolveHoldAudio', () => {
  it('is off unless asked; true means the defaults; options are filled in', () => {
    expect(resolveHoldAudio(undefined, true)).toBeUndefined();
    expect(resolveHoldAudio(false, true)).toBeUndefined();
    expect(resolveHoldAudio(true, false)).toEqual({ afterMs: 1500, sound: 'tone', fillerText: 'One moment.' });
    expect(resolveHoldAudio({ afterMs: 800, sound: 'filler' }, true)).toEqual({ ...HOLD_AUDIO_DEFAULTS, afterMs: 800, sound: 'filler' });
  });

  it('bad values throw ConfigError naming holdAudio', () => {
    const bad = [5, { afterMs: -1 }, { sound: 'beep' }, { sound: new Uint8Array(10) }, { fillerText: ' ' }, { after: 100 }];
    for (const value of bad) {
      expect(() => resolveHoldAudio(value, true)).toThrow(ConfigError);
      try {
        resolveHoldAudio(value, true);
      } catch (err) {
        expect((err as ConfigError).option).toBe('holdAudio');
      }
    }
    // An engine agent has no TTS to speak a filler.
    expect(() => resolveHoldAudio({ sound: 'filler' }, false)).toThrow(/engine agent/);
  });
});
