import { registry } from '@patter/core';
import { definePlugin } from '@patter/core/plugin';
import { RimeTTS, type RimeTTSOptions } from './rime-tts.js';

export { RimeTTS, type RimeTTSOptions, type RimeModel } from './rime-tts.js';

/** `import * as rime from '@patter/rime'; rime.TTS({ speaker: 'luna' })`. */
export const TTS = (options?: RimeTTSOptions): RimeTTS => new RimeTTS(options);

export const rimePlugin = definePlugin({
  name: '@patter/rime',
  providers: [
    {
      kind: 'tts', key: 'rime', create: (o) => new RimeTTS(o as RimeTTSOptions), env: ['RIME_API_KEY'],
      price: { perThousandCharacters: 0.03 },
    },
  ],
});
registry.register(rimePlugin);
