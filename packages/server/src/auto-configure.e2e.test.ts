import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, ProviderAuthError, silentLogger, type Carrier, type Logger } from '@patter/core';
import { captureLogger, FakeTelnyxApi, FakeTwilioApi, rawPublicKeyBase64, type RecordedRequest } from '@patter/testing';
import { Telnyx } from '@patter/telnyx';
import { Twilio } from '@patter/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { AutoConfigureError } from './auto-configure-error.js';
import { Patter } from './patter.js';
import type { ServerHandle } from './serve.js';
import { FakeCarrier } from './test-support/fake-carrier.js';
import { inertAgentOptions } from './test-support/test-server.js';

const ACCOUNT_SID = 'AC' + 'a1'.repeat(16);
const AUTH_TOKEN = 'twilio-auth-token-for-autoconfigure';
const TELNYX_KEY = 'KEY_autoconfigure_secret';
const NUMBER = '+14155550199';
const PUBLIC_URL = 'https://agent.example.com';
const TWILIO_VOICE_URL = `${PUBLIC_URL}/twilio/voice`;
const TELNYX_WEBHOOK_URL = `${PUBLIC_URL}/telnyx/webhook`;
const BASIC = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;

let handle: ServerHandle | undefined;
let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await handle?.close({ timeoutMs: 0 });
  handle = undefined;
  for (const close of closers) await close();
  closers = [];
});

async function twilioApi(): Promise<FakeTwilioApi> {
  const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
  closers.push(() => api.close());
  return api;
}

async function telnyxApi(): Promise<FakeTelnyxApi> {
  const api = await new FakeTelnyxApi(TELNYX_KEY).start();
  closers.push(() => api.close());
  return api;
}

function twilio(api: FakeTwilioApi, authToken = AUTH_TOKEN): Twilio {
  return new Twilio({ accountSid: ACCOUNT_SID, authToken, baseUrl: api.url });
}

function telnyx(api: FakeTelnyxApi, connectionId: string | undefined): Telnyx {
  const { publicKey } = generateKeyPairSync('ed25519');
  return new Telnyx({ apiKey: TELNYX_KEY, publicKey: rawPublicKeyBase64(publicKey), baseUrl: `${api.url}/v2`, ...(connectionId && { connectionId }) });
}

async function serve(carrier: Carrier, autoConfigure: boolean | undefined, logger: Logger = silentLogger): Promise<ServerHandle> {
  const phone = new Patter({ carrier, phoneNumber: NUMBER, webhookUrl: PUBLIC_URL, logger });
  handle = await phone.serve({
    agent: phone.agent(inertAgentOptions),
    port: 0,
    host: '127.0.0.1',
    shutdownSignals: false,
    ...(autoConfigure !== undefined && { autoConfigure }),
  });
  return handle;
}

const line = (request: RecordedRequest) => `${request.method} ${request.path}${request.query.size > 0 ? `?${request.query}` : ''}`;

describe('serve({ autoConfigure }) with Twilio (IncomingPhoneNumbers)', () => {
  it('points the number at the voice webhook: one list, one form POST with exactly VoiceUrl and VoiceMethod, Basic auth; logged old → new', async () => {
    const api = await twilioApi();
    const number = api.incomingNumbers.add(NUMBER, { voice_url: 'https://old.example.com/answer', voice_method: 'GET' });
    api.incomingNumbers.add('+14155550100', { voice_url: 'https://other.example.com/voice' });
    const { logger, lines } = captureLogger();

    const server = await serve(twilio(api), true, logger);

    const base = `/2010-04-01/Accounts/${ACCOUNT_SID}`;
    expect(api.requests.items.map(line)).toEqual([
      `GET ${base}/IncomingPhoneNumbers.json?PhoneNumber=%2B14155550199`,
      `POST ${base}/IncomingPhoneNumbers/${number.sid}.json`,
    ]);
    const post = api.requests.items[1]!;
    expect(post.headers.authorization).toBe(BASIC);
    expect(post.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect([...new URLSearchParams(post.body)]).toEqual([
      ['VoiceUrl', TWILIO_VOICE_URL],
      ['VoiceMethod', 'POST'],
    ]);
    expect(api.incomingNumbers.get(NUMBER)).toMatchObject({ voice_url: TWILIO_VOICE_URL, voice_method: 'POST', status_callback: '' });
    expect(api.incomingNumbers.get('+14155550100')?.voice_url).toBe('https://other.example.com/voice');
    expect(server.webhooks).toContain(`POST ${TWILIO_VOICE_URL}`);

    const resource = `IncomingPhoneNumber ${number.sid} (+1415***0199)`;
    expect(server.webhookChanges).toEqual([
      { resource, field: 'VoiceUrl', before: 'https://old.example.com/answer', after: TWILIO_VOICE_URL, changed: true },
      { resource, field: 'VoiceMethod', before: 'GET', after: 'POST', changed: true },
    ]);
    const changed = lines.filter((l) => l.msg === 'carrier webhook setting changed');
    expect(changed.map((l) => l.fields)).toEqual([
      { carrier: 'twilio', resource, field: 'VoiceUrl', from: 'https://old.example.com/answer', to: TWILIO_VOICE_URL },
      { carrier: 'twilio', resource, field: 'VoiceMethod', from: 'GET', to: 'POST' },
    ]);
    expect(lines.some((l) => l.msg === 'carrier configured for this server; nothing is restored on shutdown')).toBe(true);
    expect(JSON.stringify(lines)).not.toContain(AUTH_TOKEN);
    expect(JSON.stringify(lines)).not.toContain(NUMBER);
  });

  it('sends only the field that differs', async () => {
    const api = await twilioApi();
    api.incomingNumbers.add(NUMBER, { voice_url: null, voice_method: 'POST' });
    const server = await serve(twilio(api), true);
    expect(api.incomingNumbers.updates.items.map((u) => [...u.form])).toEqual([[['VoiceUrl', TWILIO_VOICE_URL]]]);
    expect(server.webhookChanges?.map((c) => [c.field, c.before, c.changed])).toEqual([
      ['VoiceUrl', undefined, true],
      ['VoiceMethod', 'POST', false],
    ]);
  });

  it('changes nothing when the number already points here, and says so', async () => {
    const api = await twilioApi();
    api.incomingNumbers.add(NUMBER, { voice_url: TWILIO_VOICE_URL, voice_method: 'POST' });
    const { logger, lines } = captureLogger();
    const server = await serve(twilio(api), true, logger);
    expect(api.requests.items.map((r) => r.method)).toEqual(['GET']);
    expect(api.incomingNumbers.updates.items).toEqual([]);
    expect(server.webhookChanges?.every((c) => !c.changed)).toBe(true);
    expect(lines.filter((l) => l.msg === 'carrier webhook setting already right, left unchanged')).toHaveLength(2);
    expect(lines.some((l) => l.msg === 'carrier webhook setting changed')).toBe(false);
  });

  it('fails start naming the number when the account does not have it; nothing is changed and the Patter can serve again', async () => {
    const api = await twilioApi();
    api.incomingNumbers.add('+14155550100');
    const carrier = twilio(api);
    const phone = new Patter({ carrier, phoneNumber: NUMBER, webhookUrl: PUBLIC_URL, logger: silentLogger });
    const failed = phone.serve({ agent: phone.agent(inertAgentOptions), port: 0, host: '127.0.0.1', shutdownSignals: false, autoConfigure: true });
    const error = await failed.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(AutoConfigureError);
    expect((error as Error).message).toContain(`twilio number ${NUMBER}`);
    expect((error as Error).message).toContain(`${NUMBER} is not a phone number of Twilio account ${ACCOUNT_SID}`);
    expect((error as Error).cause).toBeInstanceOf(ConfigError);
    expect(((error as Error).cause as ConfigError).option).toBe('phoneNumber');
    expect(api.requests.items.map((r) => r.method)).toEqual(['GET']);
    // The failed start left the Patter free to serve again (and closed its server).
    handle = await phone.serve({ agent: phone.agent(inertAgentOptions), port: 0, host: '127.0.0.1', shutdownSignals: false });
  });

  it('refuses a number that answers through a TwiML App (its VoiceUrl would be ignored), changing nothing', async () => {
    const api = await twilioApi();
    api.incomingNumbers.add(NUMBER, { voice_application_sid: 'AP' + 'b2'.repeat(16) });
    const error = await serve(twilio(api), true).then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).toMatch(/TwiML App AP(b2){16}.*ignores its VoiceUrl/);
    expect(api.incomingNumbers.updates.items).toEqual([]);
  });

  it('fails start on rejected credentials naming the variable, never the token', async () => {
    const api = await twilioApi();
    api.incomingNumbers.add(NUMBER);
    const wrongToken = 'wrong-token-must-not-leak-0123';
    const error = await serve(twilio(api, wrongToken), true).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(AutoConfigureError);
    expect((error as Error).cause).toBeInstanceOf(ProviderAuthError);
    expect((error as Error).message).toContain('TWILIO_AUTH_TOKEN');
    expect((error as Error).message).not.toContain(wrongToken);
  });

  it('without autoConfigure makes no REST request at all', async () => {
    const api = await twilioApi();
    api.incomingNumbers.add(NUMBER, { voice_url: 'https://old.example.com/answer' });
    const server = await serve(twilio(api), undefined);
    const off = new Patter({ carrier: twilio(api), phoneNumber: NUMBER, webhookUrl: PUBLIC_URL, logger: silentLogger });
    const second = await off.serve({ agent: off.agent(inertAgentOptions), port: 0, host: '127.0.0.1', shutdownSignals: false, autoConfigure: false });
    await second.close({ timeoutMs: 0 });
    expect(api.requests.items).toEqual([]);
    expect(server.webhookChanges).toBeUndefined();
    expect(api.incomingNumbers.get(NUMBER)?.voice_url).toBe('https://old.example.com/answer');
  });

  it('is refused before start without webhookUrl (nothing to point the number at)', async () => {
    const api = await twilioApi();
    const phone = new Patter({ carrier: twilio(api), phoneNumber: NUMBER, logger: silentLogger });
    await expect(
      phone.serve({ agent: phone.agent(inertAgentOptions), port: 0, host: '127.0.0.1', shutdownSignals: false, autoConfigure: true }),
    ).rejects.toThrow(/autoConfigure: needs webhookUrl/);
    expect(api.requests.items).toEqual([]);
  });
});

describe('serve({ autoConfigure }) with Telnyx (phone_numbers, call_control_applications)', () => {
  it('moves the number onto the Call Control application and points its webhook_event_url here: exact JSON PATCHes, Bearer auth', async () => {
    const api = await telnyxApi();
    const app = api.numbers.addApplication({ application_name: 'acme-voice', webhook_event_url: 'https://old.example.com/hook' });
    const other = api.numbers.addApplication({ application_name: 'other-app' });
    const number = api.numbers.addNumber(NUMBER, other.id);
    const { logger, lines } = captureLogger();

    const server = await serve(telnyx(api, app.id), true, logger);

    expect(api.requests.items.map(line)).toEqual([
      'GET /v2/phone_numbers?filter%5Bphone_number%5D=14155550199',
      `GET /v2/call_control_applications/${app.id}`,
      `PATCH /v2/phone_numbers/${number.id}`,
      `PATCH /v2/call_control_applications/${app.id}`,
    ]);
    for (const request of api.requests.items) expect(request.headers.authorization).toBe(`Bearer ${TELNYX_KEY}`);
    const [, , numberPatch, appPatch] = api.requests.items;
    expect(numberPatch!.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(numberPatch!.body)).toEqual({ connection_id: app.id });
    expect(JSON.parse(appPatch!.body)).toEqual({ application_name: 'acme-voice', webhook_event_url: TELNYX_WEBHOOK_URL });
    expect(api.numbers.number(NUMBER)?.connection_id).toBe(app.id);
    expect(api.numbers.application(app.id)?.webhook_event_url).toBe(TELNYX_WEBHOOK_URL);
    expect(api.numbers.application(other.id)?.webhook_event_url).toBe('https://example.com/old-webhook');

    expect(server.webhookChanges).toEqual([
      { resource: `phone_number ${number.id} (+1415***0199)`, field: 'connection_id', before: other.id, after: app.id, changed: true },
      { resource: `call_control_application ${app.id}`, field: 'webhook_event_url', before: 'https://old.example.com/hook', after: TELNYX_WEBHOOK_URL, changed: true },
    ]);
    expect(lines.filter((l) => l.msg === 'carrier webhook setting changed')).toHaveLength(2);
    expect(JSON.stringify(lines)).not.toContain(TELNYX_KEY);
  });

  it('sets webhook_api_version 2 when the application sends v1 events (the webhook route reads v2)', async () => {
    const api = await telnyxApi();
    const app = api.numbers.addApplication({ application_name: 'legacy', webhook_event_url: TELNYX_WEBHOOK_URL, webhook_api_version: '1' });
    api.numbers.addNumber(NUMBER, app.id);
    const server = await serve(telnyx(api, app.id), true);
    expect(api.numbers.patches.items.map((p) => [p.resource, p.body])).toEqual([
      ['call_control_applications', { application_name: 'legacy', webhook_event_url: TELNYX_WEBHOOK_URL, webhook_api_version: '2' }],
    ]);
    expect(server.webhookChanges?.map((c) => [c.field, c.changed])).toEqual([
      ['connection_id', false],
      ['webhook_event_url', false],
      ['webhook_api_version', true],
    ]);
  });

  it('changes nothing when the number and the application already point here', async () => {
    const api = await telnyxApi();
    const app = api.numbers.addApplication({ webhook_event_url: TELNYX_WEBHOOK_URL });
    api.numbers.addNumber(NUMBER, app.id);
    const server = await serve(telnyx(api, app.id), true);
    expect(api.requests.items.map((r) => r.method)).toEqual(['GET', 'GET']);
    expect(server.webhookChanges?.map((c) => c.changed)).toEqual([false, false]);
  });

  it('fails start naming the number when the account does not have it, before changing anything', async () => {
    const api = await telnyxApi();
    const app = api.numbers.addApplication();
    api.numbers.addNumber('+14155550100', app.id);
    const error = await serve(telnyx(api, app.id), true).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(AutoConfigureError);
    expect((error as Error).message).toContain(`${NUMBER} is not a phone number of this Telnyx account`);
    expect(((error as Error).cause as ConfigError).option).toBe('phoneNumber');
    expect(api.numbers.patches.items).toEqual([]);
  });

  it('fails start naming the connection id when it is not a Call Control application, before changing anything', async () => {
    const api = await telnyxApi();
    api.numbers.addNumber(NUMBER, null);
    const error = await serve(telnyx(api, '999999'), true).then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).toContain('999999 is not a Call Control application');
    expect(((error as Error).cause as ConfigError).option).toBe('connectionId');
    expect(api.numbers.patches.items).toEqual([]);
    expect(api.numbers.number(NUMBER)?.connection_id).toBeNull();
  });

  it('needs the connection id (TELNYX_CONNECTION_ID) and says so', async () => {
    const api = await telnyxApi();
    api.numbers.addNumber(NUMBER);
    const saved = process.env.TELNYX_CONNECTION_ID;
    delete process.env.TELNYX_CONNECTION_ID;
    try {
      const error = await serve(telnyx(api, undefined), true).then(() => undefined, (e: unknown) => e);
      expect((error as Error).message).toMatch(/connectionId: autoConfigure needs the Call Control application id.*TELNYX_CONNECTION_ID/);
      expect(api.requests.items).toEqual([]);
    } finally {
      if (saved !== undefined) process.env.TELNYX_CONNECTION_ID = saved;
    }
  });

  it('without autoConfigure makes no REST request at all', async () => {
    const api = await telnyxApi();
    const app = api.numbers.addApplication();
    api.numbers.addNumber(NUMBER, null);
    await serve(telnyx(api, app.id), undefined);
    expect(api.requests.items).toEqual([]);
  });
});

describe('serve({ autoConfigure }) refusals before anything starts', () => {
  it('names autoConfigure without a carrier, with a carrier that cannot configure itself, with a non-boolean, and on phone.handler()', async () => {
    const browserOnly = new Patter({ logger: silentLogger });
    await expect(browserOnly.serve({ agent: browserOnly.agent(inertAgentOptions), port: 0, host: '127.0.0.1', shutdownSignals: false, devPhone: true, autoConfigure: true })).rejects.toThrow(
      /^autoConfigure: needs a carrier/,
    );
    const fake = new Patter({ carrier: new FakeCarrier(), phoneNumber: NUMBER, webhookUrl: PUBLIC_URL, logger: silentLogger });
    const options = { agent: fake.agent(inertAgentOptions), port: 0, host: '127.0.0.1', shutdownSignals: false as const };
    await expect(fake.serve({ ...options, autoConfigure: true })).rejects.toThrow(/^autoConfigure: the fake carrier cannot configure its webhooks/);
    await expect(fake.serve({ ...options, autoConfigure: 'yes' as unknown as boolean })).rejects.toThrow(/^autoConfigure: expected a boolean/);
    expect(() => fake.handler({ agent: options.agent, autoConfigure: true })).toThrow(/^autoConfigure: works with phone.serve\(\) only/);
  });
});
