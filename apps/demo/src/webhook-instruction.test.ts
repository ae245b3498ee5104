import { describe, expect, it } from 'vitest';
import { webhookInstruction } from './webhook-instruction.js';

describe('webhookInstruction', () => {
  it("names the carrier's incoming-call webhook at the public URL", () => {
    expect(webhookInstruction({ kind: 'twilio', phoneNumber: '+15550001234', webhookUrl: 'https://a.example' }, 'https://a.example/')).toBe(
      'set the Voice URL of +15550001234 ("A call comes in", HTTP POST) in the Twilio console to https://a.example/twilio/voice',
    );
    expect(webhookInstruction({ kind: 'telnyx', phoneNumber: '+15550009999', webhookUrl: 'https://b.example' }, 'https://b.example')).toBe(
      'set the webhook URL of your Telnyx Call Control application (the one +15550009999 uses) to https://b.example/telnyx/webhook',
    );
  });
});
