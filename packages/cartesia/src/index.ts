import { registry } from '@patter/core';
import { definePlugin } from '@patter/core/plugin';
import { CartesiaSTT, type CartesiaSTTOptions } from './cartesia-stt.js';
import { CartesiaTTS, type CartesiaTTSOptions } from './cartesia-tts.js';

// STT
export {
  CartesiaSTT,
  DEFAULTS as STT_DEFAULTS,
  type CartesiaSTTOptions,
  type CartesiaSTTModel,
  type CartesiaParkedConnection,
} from './cartesia-stt.js';

/** `import * as cartesia from '@patter/cartesia'; cartesia.STT()`. */
export const STT = (options?: CartesiaSTTOptions): CartesiaSTT => new CartesiaSTT(options);

// TTS
export { CartesiaTTS, DEFAULTS as TTS_DEFAULTS, type CartesiaTTSOptions, type CartesiaTTSModel } from './cartesia-tts.js';

/** `import * as cartesia from '@patter/cartesia'; cartesia.TTS()`. */
export const TTS = (options?: CartesiaTTSOptions): CartesiaTTS => new CartesiaTTS(options);

// Registration
export const cartesiaPlugin = definePlugin({
  name: '@patter/cartesia',
  providers: [
    {
      kind: 'stt', key: 'cartesia_stt', create: (o) => new CartesiaSTT(o as CartesiaSTTOptions), env: ['CARTESIA_API_KEY'],
      price: { perAudioMinute: 0.0022 },
    },
    {
      kind: 'tts', key: 'cartesia_tts', create: (o) => new CartesiaTTS(o as CartesiaTTSOptions), env: ['CARTESIA_API_KEY'],
      price: { perThousandCharacters: 0.03 },
    },
  ],
});
registry.register(cartesiaPlugin);
