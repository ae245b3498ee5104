import { describe, expect, it } from 'vitest';
import { ALAW_8K, MULAW_8K, PCM16_8K } from '../audio/audio-format.js';
import { frameRms } from '../audio/frame-rms.js';
import { EnergyVAD } from './energy-vad.js';
import { EnergyVoiceActivityDetector } from './energy-voice-activity-detector.js';

describe('frameRms', () => {
  it('reads G.711 μ-law and A-law and PCM16 on one scale', () => {
    expect(frameRms(new Uint8Array(160).fill(0xff), MULAW_8K)).toBe(0);
    expect(frameRms(new Uint8Array(160).fill(0x80), MULAW_8K)).toBeCloseTo(32124 / 32768, 4);
    expect(frameRms(new Uint8Array(160).fill(0xd5), ALAW_8K)).toBeCloseTo(8 / 32768, 6);
    expect(frameRms(new Uint8Array(160).fill(0xaa), ALAW_8K)).toBeCloseTo(32256 / 32768, 4);
    const pcm = new Int16Array(160).fill(-16384);
    expect(frameRms(new Uint8Array(pcm.buffer), PCM16_8K)).toBeCloseTo(0.5, 6);
  });
});

describe('EnergyVoiceActivityDetector', () => {
  it('declares speech after minSpeechMs of voice and its end after silenceMs', () => {
    const vad = new EnergyVoiceActivityDetector(MULAW_8K, { minSpeechMs: 60, silenceMs: 100 });
    const loud = new Uint8Array(160).fill(0x90);
    const quiet = new Uint8Array(160).fill(0xff);
    expect([vad.push(loud), vad.push(loud), vad.push(loud)]).toEqual(['none', 'none', 'speechStart']);
    expect(vad.speaking).toBe(true);
    expect([1, 2, 3, 4].map(() => vad.push(quiet))).toEqual(['none', 'none', 'none', 'none']);
    expect(vad.push(quiet)).toBe('speechEnd');
    expect(vad.speaking).toBe(false);
  });

  it('EnergyVAD makes one detector per call with the session\'s silence unless it sets its own', () => {
    const quiet = new Uint8Array(160).fill(0xff);
    const loud = new Uint8Array(160).fill(0x90);
    const run = (vad: ReturnType<EnergyVAD['create']>) => {
      for (let i = 0; i < 10; i++) vad.push(loud);
      let frames = 0;
      while (vad.push(quiet) !== 'speechEnd') frames++;
      return frames + 1;
    };
    expect(new EnergyVAD().key).toBe('energy');
    expect(run(new EnergyVAD().create(MULAW_8K, { silenceMs: 200 }))).toBe(10);
    expect(run(new EnergyVAD({ silenceMs: 100 }).create(MULAW_8K, { silenceMs: 200 }))).toBe(5);
    // A threshold above the loud frame's level: never speech.
    const deaf = new EnergyVAD({ threshold: 0.9 }).create(MULAW_8K);
    for (let i = 0; i < 20; i++) expect(deaf.push(loud)).toBe('none');
  });
});
