import { registry } from '@patter/core';
import { definePlugin } from '@patter/core/plugin';
import { Telnyx, type TelnyxOptions } from './telnyx.js';

export { Telnyx, DEFAULTS, type TelnyxOptions, type TelnyxCodec, type TelnyxMachineDetection } from './telnyx.js';
export { TelnyxMediaCodec } from './telnyx-media-codec.js';
export { telnyxPublicKey, verifyTelnyxSignature, type TelnyxVerifyOptions, type TelnyxVerifyResult } from './telnyx-signature.js';
export { mapMachineDetection, TELNYX_PATHS } from './telnyx-webhooks.js';
export { encodeClientState, decodeClientState } from './telnyx-client-state.js';

/** `import * as telnyx from '@patter/telnyx'; telnyx.Carrier()`. */
export const Carrier = (options?: TelnyxOptions): Telnyx => new Telnyx(options);

export const telnyxPlugin = definePlugin({
  name: '@patter/telnyx',
  providers: [
    {
      kind: 'carrier',
      key: 'telnyx',
      create: (options) => new Telnyx(options as TelnyxOptions),
      env: ['TELNYX_API_KEY', 'TELNYX_PUBLIC_KEY', 'TELNYX_CONNECTION_ID'],
      price: { perCallMinute: 0.007 },
    },
  ],
});
registry.register(telnyxPlugin);
