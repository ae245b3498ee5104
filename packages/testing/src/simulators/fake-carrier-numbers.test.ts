import { afterEach, describe, expect, it } from 'vitest';
import { FakeTelnyxApi } from './fake-telnyx-api.js';
import { FakeTwilioApi } from './fake-twilio-api.js';

const SID = 'AC' + 'd4'.repeat(16);
const BASIC = `Basic ${Buffer.from(`${SID}:token`).toString('base64')}`;
const FORM = 'application/x-www-form-urlencoded';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function call(url: string, init: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('FakeTwilioApi IncomingPhoneNumbers', () => {
  it('lists by PhoneNumber and updates VoiceUrl/VoiceMethod by SID, as Twilio answers', async () => {
    const api = await new FakeTwilioApi(SID, SID, 'token').start();
    close = () => api.close();
    const number = api.incomingNumbers.add('+14155550199');
    const base = `${api.url}/2010-04-01/Accounts/${SID}/IncomingPhoneNumbers`;
    const list = await call(`${base}.json?PhoneNumber=%2B14155550199`, { headers: { authorization: BASIC } });
    expect(list.status).toBe(200);
    expect(list.body.incoming_phone_numbers).toEqual([expect.objectContaining({ sid: number.sid, phone_number: '+14155550199', voice_url: null, account_sid: SID })]);
    expect((await call(`${base}.json?PhoneNumber=%2B14155550100`, { headers: { authorization: BASIC } })).body.incoming_phone_numbers).toEqual([]);

    const update = await call(`${base}/${number.sid}.json`, {
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': FORM },
      body: 'VoiceUrl=https%3A%2F%2Fa.example.com%2Ftwilio%2Fvoice&VoiceMethod=POST',
    });
    expect(update).toMatchObject({ status: 200, body: { sid: number.sid, voice_url: 'https://a.example.com/twilio/voice', voice_method: 'POST' } });
    expect(api.incomingNumbers.updates.items).toHaveLength(1);
  });

  it('refuses what Twilio refuses: bad auth (401 20003), JSON body, unknown SID (404 20404), a bad VoiceMethod or URL', async () => {
    const api = await new FakeTwilioApi(SID, SID, 'token').start();
    close = () => api.close();
    const number = api.incomingNumbers.add('+14155550199');
    const base = `${api.url}/2010-04-01/Accounts/${SID}/IncomingPhoneNumbers`;
    const wrong = `Basic ${Buffer.from(`${SID}:nope`).toString('base64')}`;
    expect(await call(`${base}.json`, { headers: { authorization: wrong } })).toMatchObject({ status: 401, body: { code: 20003 } });
    const post = (path: string, body: string, type = FORM) => call(`${base}/${path}.json`, { method: 'POST', headers: { authorization: BASIC, 'content-type': type }, body });
    expect((await post(number.sid, '{"VoiceUrl":"https://a.example.com"}', 'application/json')).status).toBe(400);
    expect(await post('PN' + '0'.repeat(32), 'VoiceUrl=https%3A%2F%2Fa.example.com')).toMatchObject({ status: 404, body: { code: 20404 } });
    expect((await post(number.sid, 'VoiceMethod=PUT')).status).toBe(400);
    expect((await post(number.sid, 'VoiceUrl=not-a-url')).status).toBe(400);
    expect((await post(number.sid, 'VoiceURL=https%3A%2F%2Fa.example.com')).status).toBe(400);
    expect(api.incomingNumbers.updates.items).toEqual([]);
    expect(api.incomingNumbers.get('+14155550199')?.voice_url).toBeNull();
  });
});

describe('FakeTelnyxApi phone numbers and Call Control applications', () => {
  it('lists by the digits of the number (a "+" finds nothing, as Telnyx documents), PATCHes JSON, and refuses what Telnyx refuses', async () => {
    const api = await new FakeTelnyxApi('KEY_x').start();
    close = () => api.close();
    const app = api.numbers.addApplication({ application_name: 'acme' });
    const number = api.numbers.addNumber('+14155550199');
    const auth = { authorization: 'Bearer KEY_x' };
    const json = { ...auth, 'content-type': 'application/json' };
    const list = (filter: string) => call(`${api.url}/v2/phone_numbers?filter%5Bphone_number%5D=${encodeURIComponent(filter)}`, { headers: auth });
    expect((await list('14155550199')).body.data).toEqual([expect.objectContaining({ id: number.id, phone_number: '+14155550199', connection_id: null })]);
    expect((await list('+14155550199')).body.data).toEqual([]);
    expect((await call(`${api.url}/v2/phone_numbers`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);

    const patch = (path: string, body: unknown, headers: Record<string, string> = json) =>
      call(`${api.url}/v2/${path}`, { method: 'PATCH', headers, body: JSON.stringify(body) });
    expect((await patch(`phone_numbers/${number.id}`, { connection_id: app.id }, auth)).status).toBe(415);
    expect((await patch('phone_numbers/1', { connection_id: app.id })).status).toBe(404);
    expect((await patch(`phone_numbers/${number.id}`, { connection_id: '42' })).status).toBe(422);
    expect(await patch(`phone_numbers/${number.id}`, { connection_id: app.id })).toMatchObject({ status: 200, body: { data: { connection_id: app.id, connection_name: 'acme' } } });

    expect((await call(`${api.url}/v2/call_control_applications/42`, { headers: auth })).status).toBe(404);
    expect((await patch(`call_control_applications/${app.id}`, { webhook_event_url: 'https://a.example.com/telnyx/webhook' })).status).toBe(422);
    expect((await patch(`call_control_applications/${app.id}`, { application_name: 'acme', webhook_event_url: 'a.example.com' })).status).toBe(422);
    const ok = await patch(`call_control_applications/${app.id}`, { application_name: 'acme', webhook_event_url: 'https://a.example.com/telnyx/webhook' });
    expect(ok).toMatchObject({ status: 200, body: { data: { id: app.id, webhook_event_url: 'https://a.example.com/telnyx/webhook', record_type: 'call_control_application' } } });
    expect(api.numbers.patches.items.map((p) => p.resource)).toEqual(['phone_numbers', 'call_control_applications']);
  });
});
