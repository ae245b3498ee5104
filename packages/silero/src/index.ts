import { registry } from '@patter/core';
import { definePlugin } from '@patter/core/plugin';
import { SileroVAD, type SileroVADOptions } from './silero-vad.js';

export { SileroVAD, type SileroVADOptions } from './silero-vad.js';
export { SileroVoiceActivityDetector, type SileroTuning } from './silero-voice-activity-detector.js';
export { bundledModelPath } from './silero-model.js';

/** `import * as silero from '@patter/silero'; phone.agent({ ..., vad: silero.VAD() })`. */
export const VAD = (options?: SileroVADOptions): SileroVAD => new SileroVAD(options);

export const sileroPlugin = definePlugin({
  name: '@patter/silero',
  providers: [{ kind: 'vad', key: 'silero', create: (o) => new SileroVAD(o as SileroVADOptions) }],
});
registry.register(sileroPlugin);
