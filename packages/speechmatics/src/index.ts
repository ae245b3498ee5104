import { registry } from '@patter/core';
import { definePlugin } from '@patter/core/plugin';
import { SpeechmaticsSTT, type SpeechmaticsSTTOptions } from './speechmatics-stt.js';

export {
  SpeechmaticsSTT,
  DEFAULTS,
  type SpeechmaticsSTTOptions,
  type SpeechmaticsTurnDetection,
  type SpeechmaticsAdditionalVocab,
} from './speechmatics-stt.js';

/** `import * as speechmatics from '@patter/speechmatics'; speechmatics.STT()`. */
export const STT = (options?: SpeechmaticsSTTOptions): SpeechmaticsSTT => new SpeechmaticsSTT(options);

export const speechmaticsPlugin = definePlugin({
  name: '@patter/speechmatics',
  providers: [
    {
      kind: 'stt', key: 'speechmatics', create: (o) => new SpeechmaticsSTT(o as SpeechmaticsSTTOptions), env: ['SPEECHMATICS_API_KEY'],
      price: { perAudioMinute: 0.004 },
    },
  ],
});
registry.register(speechmaticsPlugin);
