import { registry } from '@patter/core';
import { definePlugin } from '@patter/core/plugin';
import { DeepgramSTT, type DeepgramSTTOptions } from './deepgram-stt.js';

export { DeepgramSTT, DEFAULTS, type DeepgramSTTOptions, type DeepgramModel } from './deepgram-stt.js';

/** `import * as deepgram from '@patter/deepgram'; deepgram.STT()`. */
export const STT = (options?: DeepgramSTTOptions): DeepgramSTT => new DeepgramSTT(options);

export const deepgramPlugin = definePlugin({
  name: '@patter/deepgram',
  providers: [
    {
      kind: 'stt', key: 'deepgram', create: (o) => new DeepgramSTT(o as DeepgramSTTOptions), env: ['DEEPGRAM_API_KEY'],
      price: { perAudioMinute: 0.0077 },
    },
  ],
});
registry.register(deepgramPlugin);
