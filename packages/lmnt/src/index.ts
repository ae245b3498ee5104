import { registry } from '@patter/core';
import { definePlugin } from '@patter/core/plugin';
import { LmntTTS, type LmntTTSOptions } from './lmnt-tts.js';

export { LmntTTS, type LmntTTSOptions, type LmntModel, type LmntFormat, type LmntSampleRate } from './lmnt-tts.js';

/** `import * as lmnt from '@patter/lmnt'; lmnt.TTS({ voice: 'leah' })`. */
export const TTS = (options?: LmntTTSOptions): LmntTTS => new LmntTTS(options);

export const lmntPlugin = definePlugin({
  name: '@patter/lmnt',
  providers: [
    {
      kind: 'tts', key: 'lmnt', create: (o) => new LmntTTS(o as LmntTTSOptions), env: ['LMNT_API_KEY'],
      price: { perThousandCharacters: 0.05 },
    },
  ],
});
registry.register(lmntPlugin);
