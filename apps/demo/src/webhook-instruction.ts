import { TELNYX_PATHS } from '@patter/telnyx';
import { TWILIO_PATHS } from '@patter/twilio';
import type { DemoCarrier } from './choose-mode.js';

/**
 * The one webhook a user sets at the carrier for calls to reach the demo, as a sentence. The
 * server's other routes (status, AMD, recording callbacks) are given to the carrier per call.
 */
export function webhookInstruction(carrier: Exclude<DemoCarrier, { kind: 'none' }>, publicUrl: string): string {
  const base = publicUrl.replace(/\/+$/, '');
  return carrier.kind === 'twilio'
    ? `set the Voice URL of ${carrier.phoneNumber} ("A call comes in", HTTP POST) in the Twilio console to ${base}${TWILIO_PATHS.voice}`
    : `set the webhook URL of your Telnyx Call Control application (the one ${carrier.phoneNumber} uses) to ${base}${TELNYX_PATHS.webhook}`;
}
