import { registry } from '@patter/core';
import { definePlugin } from '@patter/core/plugin';
import { InworldTTS, type InworldTTSOptions } from './inworld-tts.js';

export {
  InworldTTS,
  type InworldTTSOptions,
  type InworldModel,
  type InworldDeliveryMode,
} from './inworld-tts.js';

/** `import * as inworld from '@patter/inworld'; inworld.TTS({ voice: 'Ashley' })`. */
export const TTS = (options?: InworldTTSOptions): InworldTTS => new InworldTTS(options);

export const inworldPlugin = definePlugin({
  name: '@patter/inworld',
  providers: [
    {
      kind: 'tts', key: 'inworld', create: (o) => new InworldTTS(o as InworldTTSOptions), env: ['INWORLD_API_KEY'],
      price: { perThousandCharacters: 0.01 },
    },
  ],
});
registry.register(inworldPlugin);
