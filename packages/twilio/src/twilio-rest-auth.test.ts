import { afterEach, describe, expect, it } from 'vitest';
import { ProviderAuthError } from '@patter/core';
import { CarrierHarness, FakeTwilioApi } from '@patter/testing';
import { Twilio } from './twilio.js';

// A refused REST request names the credentials actually in use: the API key pair when one is set
// (TWILIO_API_KEY_SID / TWILIO_API_KEY_SECRET), the auth token otherwise.

const ACCOUNT = 'AC00000000000000000000000000000001';
const TOKEN = 'fixture_auth_token_not_real_0001';
const KEY_SID = 'SK00000000000000000000000000000009';

let api: FakeTwilioApi | undefined;
let harness: CarrierHarness | undefined;
afterEach(async () => {
  await harness?.close();
  await api?.close();
  harness = undefined;
  api = undefined;
});

describe('Twilio REST auth errors', () => {
  it('a refused API key secret names TWILIO_API_KEY_SECRET, not TWILIO_AUTH_TOKEN', async () => {
    api = await new FakeTwilioApi(ACCOUNT, KEY_SID, 'key-secret').start();
    harness = await CarrierHarness.start(new Twilio({ accountSid: ACCOUNT, authToken: TOKEN, apiKeySid: KEY_SID, apiKeySecret: 'wrong', baseUrl: api.url }));
    const error = await harness.placeCall({ to: '+15550009999', from: '+15550001111' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect((error as Error).message).toMatch(/TWILIO_API_KEY_SECRET/);
    expect((error as Error).message).not.toMatch(/TWILIO_AUTH_TOKEN/);
  });

  it('a refused auth token (no API key) still names TWILIO_AUTH_TOKEN', async () => {
    api = await new FakeTwilioApi(ACCOUNT, KEY_SID, 'key-secret').start();
    harness = await CarrierHarness.start(new Twilio({ accountSid: ACCOUNT, authToken: 'wrong', baseUrl: api.url }));
    const error = await harness.placeCall({ to: '+15550009999', from: '+15550001111' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect((error as Error).message).toMatch(/TWILIO_AUTH_TOKEN/);
  });
});
