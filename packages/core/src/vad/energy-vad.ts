import type { AudioFormat } from '../audio/audio-format.js';
import type { VoiceActivityDetector, VoiceActivityDetectorOptions } from '../session/turns/voice-activity-detector.js';
import { EnergyVoiceActivityDetector, type EnergyVADOptions } from './energy-voice-activity-detector.js';
import type { VADProvider } from './vad-provider.js';

/**
 * The energy detector as a `VADProvider`: what the session uses when the agent names no `vad`.
 * Pass it to tune the threshold (`vad: new EnergyVAD({ threshold: 0.03 })`).
 */
export class EnergyVAD implements VADProvider {
  readonly key = 'energy';

  constructor(private readonly options: EnergyVADOptions = {}) {}

  create(format: AudioFormat, options: VoiceActivityDetectorOptions = {}): VoiceActivityDetector {
    const silenceMs = this.options.silenceMs ?? options.silenceMs;
    return new EnergyVoiceActivityDetector(format, { ...this.options, ...(silenceMs === undefined ? {} : { silenceMs }) });
  }
}
