import { registry } from '@patter/core';
import { definePlugin } from '@patter/core/plugin';
import { Twilio, type TwilioOptions } from './twilio.js';

export { Twilio, DEFAULTS, type TwilioOptions } from './twilio.js';
export { TwilioMediaCodec } from './twilio-media-codec.js';
export { twilioSignature, twilioUrlVariants, validateTwilioSignature, validateTwilioJsonSignature, type TwilioParams } from './twilio-signature.js';
export { verifyTwilioRequest, mapAnsweredBy, TWILIO_PATHS } from './twilio-webhooks.js';
export { streamTwiml, dialTwiml, rejectTwiml, escapeXml } from './twilio-twiml.js';

/** `import * as twilio from '@patter/twilio'; twilio.Carrier()`. */
export const Carrier = (options?: TwilioOptions): Twilio => new Twilio(options);

export const twilioPlugin = definePlugin({
  name: '@patter/twilio',
  providers: [
    {
      kind: 'carrier',
      key: 'twilio',
      create: (options) => new Twilio(options as TwilioOptions),
      env: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_API_KEY_SID', 'TWILIO_API_KEY_SECRET'],
      price: { perCallMinute: 0.014 },
    },
  ],
});
registry.register(twilioPlugin);
