import { definePlugin, registry } from '@patter/core';
import { CartesiaSTT, type CartesiaSTTOptions } from './cartesia-stt.js';

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

// Registration
export const cartesiaPlugin = definePlugin({
  name: '@patter/cartesia',
  providers: [
    { kind: 'stt', key: 'cartesia_stt', create: (o) => new CartesiaSTT(o as CartesiaSTTOptions), env: ['CARTESIA_API_KEY'] },
  ],
});
registry.register(cartesiaPlugin);
