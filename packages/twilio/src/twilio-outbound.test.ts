import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, ProviderAuthError, createCarrier } from '@patter/core';
import { CarrierHarness, FakeTwilioApi, TwilioSimulator } from '@patter/testing';
import { Twilio } from './twilio.js';
import { mapAnsweredBy } from './twilio-webhooks.js';
import './index.js';

const ACCOUNT = 'AC00000000000000000000000000000001';
const TOKEN = 'fixture_auth_token_not_real_0001';

let api: FakeTwilioApi;
let harness: CarrierHarness;
let sim: TwilioSimulator;

beforeEach(async () => {
  api = await new FakeTwilioApi(ACCOUNT, 'SK00000000000000000000000000000009', 'key-secret').start();
  const carrier = new Twilio({ accountSid: ACCOUNT, authToken: TOKEN, apiKeySid: 'SK00000000000000000000000000000009', apiKeySecret: 'key-secret', baseUrl: api.url });
  harness = await CarrierHarness.start(carrier);
  sim = new TwilioSimulator({ serverUrl: harness.publicUrl, authToken: TOKEN, accountSid: ACCOUNT });
});
afterEach(async () => {
  await harness.close();
  await api.close();
});

describe('Twilio outbound calls', () => {
  it('creates the call with every field, then the stream from its TwiML reaches the harness', async () => {
    const { callId, callRef } = await harness.placeCall({ to: '+15550009999', from: '+15550001111', machineDetection: true });
    const created = await api.calls.next();
    expect(callId).toBe(created.sid);
    const request = api.requests.items[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/2010-04-01/Accounts/${ACCOUNT}/Calls.json`);
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from('SK00000000000000000000000000000009:key-secret').toString('base64')}`);
    const streamUrl = harness.streamUrl(callRef);
    const cb = (path: string) => `${harness.publicUrl}${path}?callRef=${callRef}`;
    expect([...created.form]).toEqual([
      ['To', '+15550009999'],
      ['From', '+15550001111'],
      [
        'Twiml',
        `<Response><Connect><Stream url="${streamUrl}"><Parameter name="callRef" value="${callRef}"/><Parameter name="direction" value="outbound"/><Parameter name="from" value="+15550001111"/><Parameter name="to" value="+15550009999"/></Stream></Connect></Response>`,
      ],
      ['Timeout', '60'],
      ['StatusCallback', cb('/twilio/status')],
      ['StatusCallbackMethod', 'POST'],
      ['StatusCallbackEvent', 'initiated'],
      ['StatusCallbackEvent', 'ringing'],
      ['StatusCallbackEvent', 'answered'],
      ['StatusCallbackEvent', 'completed'],
      ['MachineDetection', 'DetectMessageEnd'],
      ['MachineDetectionTimeout', '30'],
      ['AsyncAmd', 'true'],
      ['AsyncAmdStatusCallback', cb('/twilio/amd')],
      ['AsyncAmdStatusCallbackMethod', 'POST'],
    ]);
    const call = await sim.connect(created.form.get('Twiml')!, created.sid);
    const server = await harness.calls.next();
    await server.started;
    expect(server.transport.info).toMatchObject({ callId: created.sid, callRef, direction: 'outbound', to: '+15550009999' });
    await call.stop();
  });

  it('leaves AMD out unless asked', async () => {
    await harness.placeCall({ to: '+15550009999', from: '+15550001111' });
    const created = await api.calls.next();
    expect(created.form.has('MachineDetection')).toBe(false);
    expect(created.form.has('AsyncAmd')).toBe(false);
  });

  it('maps async AMD and status callbacks to call events', async () => {
    const { callId, callRef } = await harness.placeCall({ to: '+15550009999', from: '+15550001111', machineDetection: true });
    const q = `?callRef=${callRef}`;
    expect((await sim.amdCallback(callId, 'machine_end_beep', q)).status).toBe(204);
    expect((await sim.amdCallback(callId, 'human', q)).status).toBe(204);
    expect((await sim.statusCallback(callId, 'in-progress', q)).status).toBe(204);
    expect((await sim.statusCallback(callId, 'no-answer', q)).status).toBe(204);
    expect(harness.events.items).toEqual([
      { type: 'machineDetection', callId, callRef, result: 'machine', greetingEnded: true },
      { type: 'machineDetection', callId, callRef, result: 'human', greetingEnded: false },
      { type: 'status', callId, callRef, status: 'in-progress' },
      { type: 'status', callId, callRef, status: 'no-answer' },
      { type: 'ended', callId, callRef, reason: 'no-answer' },
    ]);
  });

  it('reports a refused key as ProviderAuthError naming the env var', async () => {
    const wrong = new Twilio({ accountSid: ACCOUNT, authToken: 'wrong', baseUrl: api.url });
    await CarrierHarness.start(wrong).then(async (h) => {
      await expect(h.placeCall({ to: '+15550009999', from: '+15550001111' })).rejects.toThrow(ProviderAuthError);
      await expect(h.placeCall({ to: '+15550009999', from: '+15550001111' })).rejects.toThrow(/TWILIO_AUTH_TOKEN/);
      await h.close();
    });
  });
});

describe('Twilio options', () => {
  it('maps every AnsweredBy value', () => {
    expect(mapAnsweredBy('human')).toEqual({ result: 'human', greetingEnded: false });
    expect(mapAnsweredBy('machine_start')).toEqual({ result: 'machine', greetingEnded: false });
    expect(mapAnsweredBy('machine_end_beep')).toEqual({ result: 'machine', greetingEnded: true });
    expect(mapAnsweredBy('machine_end_silence')).toEqual({ result: 'machine', greetingEnded: true });
    expect(mapAnsweredBy('machine_end_other')).toEqual({ result: 'machine', greetingEnded: true });
    expect(mapAnsweredBy('fax')).toEqual({ result: 'fax', greetingEnded: false });
    expect(mapAnsweredBy('unknown')).toEqual({ result: 'unknown', greetingEnded: false });
  });

  it('names the bad option at construction', () => {
    const env = { ...process.env };
    delete process.env.TWILIO_ACCOUNT_SID;
    delete process.env.TWILIO_AUTH_TOKEN;
    try {
      expect(() => new Twilio({ authToken: TOKEN })).toThrow(/accountSid.*TWILIO_ACCOUNT_SID/);
      expect(() => new Twilio({ accountSid: 'AC123', authToken: TOKEN })).toThrow(ConfigError);
      expect(() => new Twilio({ accountSid: ACCOUNT })).toThrow(/authToken/);
      expect(() => new Twilio({ accountSid: ACCOUNT, authToken: TOKEN, apiKeySid: 'SK1' })).toThrow(/apiKeySecret/);
      expect(() => new Twilio({ accountSid: ACCOUNT, authToken: TOKEN, baseUrl: 'ftp://x' })).toThrow(/baseUrl/);
      expect(() => new Twilio({ accountSid: ACCOUNT, authToken: TOKEN, leadMs: -1 })).toThrow(/leadMs/);
      for (const messageMs of [0, 30, 220]) expect(() => new Twilio({ accountSid: ACCOUNT, authToken: TOKEN, messageMs })).toThrow(/messageMs/);
      expect(() => new Twilio({ accountSid: ACCOUNT, authToken: TOKEN, authtoken: TOKEN } as never)).toThrow('authtoken: unknown Twilio option; did you mean authToken?');
      expect(() => new Twilio({ accountSid: ACCOUNT, authToken: TOKEN, machineDetecton: 'Enable' } as never)).toThrow(/did you mean machineDetection\?/);
      process.env.TWILIO_ACCOUNT_SID = ACCOUNT;
      process.env.TWILIO_AUTH_TOKEN = TOKEN;
      expect(new Twilio().accountSid).toBe(ACCOUNT);
      expect(createCarrier('twilio', {}).key).toBe('twilio');
    } finally {
      process.env = env;
    }
  });

  it('refuses placeCall before its routes are mounted', async () => {
    const twilio = new Twilio({ accountSid: ACCOUNT, authToken: TOKEN, baseUrl: api.url });
    await expect(twilio.placeCall({ to: '+1555', from: '+1555', callRef: 'r', streamUrl: 'wss://x/s' })).rejects.toThrow(ConfigError);
  });
});
