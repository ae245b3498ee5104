import { registry } from '@patter/core';
import { definePlugin } from '@patter/core/plugin';
import { SonioxSTT, type SonioxSTTOptions } from './soniox-stt.js';

export { SonioxSTT, DEFAULTS, type SonioxSTTOptions, type SonioxModel } from './soniox-stt.js';

/** `import * as soniox from '@patter/soniox'; soniox.STT()`. */
export const STT = (options?: SonioxSTTOptions): SonioxSTT => new SonioxSTT(options);

export const sonioxPlugin = definePlugin({
  name: '@patter/soniox',
  providers: [
    {
      kind: 'stt', key: 'soniox', create: (o) => new SonioxSTT(o as SonioxSTTOptions), env: ['SONIOX_API_KEY'],
      price: { perAudioMinute: 0.002 },
    },
  ],
});
registry.register(sonioxPlugin);
