import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderAuthError } from '@patter/core';
import { CarrierHarness, FakeTwilioApi } from '@patter/testing';
import { Twilio } from './twilio.js';
import './index.js';

const ACCOUNT = 'AC00000000000000000000000000000001';
const TOKEN = 'fixture_auth_token_not_real_0001';

let api: FakeTwilioApi;
let harness: CarrierHarness;
let carrier: Twilio;

beforeEach(async () => {
  api = await new FakeTwilioApi(ACCOUNT, ACCOUNT, TOKEN).start();
  carrier = new Twilio({ accountSid: ACCOUNT, authToken: TOKEN, baseUrl: api.url });
  harness = await CarrierHarness.start(carrier);
});
afterEach(async () => {
  await harness.close();
  await api.close();
});

describe('Twilio findCalls (GET Calls.json?To=&From=)', () => {
  it('lists the calls placed to a number from a number, newest first, with their status and AMD result', async () => {
    const since = Date.now() - 1000;
    const first = await harness.placeCall({ to: '+15550009999', from: '+15550001111' });
    await harness.placeCall({ to: '+15550008888', from: '+15550001111' });
    await harness.placeCall({ to: '+15550009999', from: '+15550002222' });
    const second = await harness.placeCall({ to: '+15550009999', from: '+15550001111', machineDetection: true });
    const created = api.calls.items;
    created[0]!.status = 'busy';
    created[3]!.status = 'completed';
    created[3]!.answeredBy = 'machine_end_beep';

    const found = await carrier.findCalls({ to: '+15550009999', from: '+15550001111', since });
    expect(found).toEqual([
      { callId: second.callId, status: 'completed', answeredBy: 'machine' },
      { callId: first.callId, status: 'busy' },
    ]);
    const request = api.requests.items.find((r) => r.method === 'GET')!;
    expect(request.path).toBe(`/2010-04-01/Accounts/${ACCOUNT}/Calls.json`);
    expect(Object.fromEntries(request.query)).toEqual({ To: '+15550009999', From: '+15550001111', PageSize: '20' });
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}`);
  });

  it('leaves out calls created before `since` (whole seconds, as date_created has)', async () => {
    await harness.placeCall({ to: '+15550009999', from: '+15550001111' });
    expect(await carrier.findCalls({ to: '+15550009999', from: '+15550001111', since: Date.now() + 5000 })).toEqual([]);
    expect(await carrier.findCalls({ to: '+15550009999', from: '+15550001111', since: Date.now() - 5000 })).toHaveLength(1);
  });

  it('a rejected credential is a ProviderAuthError naming the variable', async () => {
    const wrong = new Twilio({ accountSid: ACCOUNT, authToken: 'fixture_wrong_token_0000000000000', baseUrl: api.url });
    const error = await wrong.findCalls({ to: '+15550009999', from: '+15550001111', since: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect(String((error as Error).message)).toContain('TWILIO_AUTH_TOKEN');
  });
});
