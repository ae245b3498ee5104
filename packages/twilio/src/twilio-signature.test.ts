import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CarrierHarness } from '@patter/testing';
import { Twilio } from './twilio.js';
import { twilioSignature, validateTwilioJsonSignature, validateTwilioSignature } from './twilio-signature.js';

const ACCOUNT = 'AC00000000000000000000000000000001';
const TOKEN = 'fixture_auth_token_not_real_0001';

describe('twilio signature vectors', () => {
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';

  it('matches the twilio-node vectors, including the port variants', () => {
    expect(twilioSignature('12345', url, params)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(validateTwilioSignature('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url, params)).toBe(true);
    expect(validateTwilioSignature('12345', 'kvajT1Ptam85bY51eRf/AJRuM3w=', url, params)).toBe(true);
    expect(validateTwilioSignature('12345', 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU=', 'http://mycompany.com:1234/myapp.php?foo=1&bar=2', params)).toBe(true);
    expect(validateTwilioSignature('12345', '0ZXoZLH/DfblKGATFgpif+LLRf4=', 'http://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe(true);
    expect(validateTwilioSignature('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url, { ...params, Digits: '1235' })).toBe(false);
    expect(validateTwilioSignature('12345', undefined, url, params)).toBe(false);
  });

  it('de-duplicates and sorts repeated parameters like twilio-node', () => {
    const form = new URLSearchParams([['Sid', 'CA123'], ['SidAccount', 'AC123'], ['Digits', '5678'], ['Digits', '1234'], ['Digits', '1234']]);
    expect(validateTwilioSignature('12345', 'IK+Dwps556ElfBT0I3Rgjkr1wJU=', url, form)).toBe(true);
    const addresses = { 'MessagingBinding.Address': ['+1325xxxxxxx', '+1415xxxxxxx'] };
    expect(twilioSignature('12345', url, addresses)).toBe('83O6e2vORAoJHUNzJjDWN1jz+BA=');
  });

  it('validates the JSON-body variant (bodySHA256)', () => {
    const body = '{"property": "value", "boolean": true}';
    const signed = `${url}&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620`;
    expect(validateTwilioJsonSignature('12345', 'a9nBmqA0ju/hNViExpshrM61xv4=', signed, body)).toBe(true);
    expect(validateTwilioJsonSignature('12345', 'a9nBmqA0ju/hNViExpshrM61xv4=', signed, body.replace('value', 'valuf'))).toBe(false);
    expect(validateTwilioJsonSignature('12345', 'a9nBmqA0ju/hNViExpshrM61xv4=', url, body)).toBe(false);
  });

  it('agrees with the official twilio package on random requests', () => {
    for (let i = 0; i < 50; i++) {
      const p: Record<string, string> = { CallSid: `CA${i}`, From: `+1555${i}`, Body: `héllo ${i} & <x>`, [`Z${i}`]: String(i * 7) };
      const u = `https://agent-${i}.example.com${i % 2 ? ':8443' : ''}/twilio/voice?callRef=r${i}&x=a%20b`;
      const official = twilio.getExpectedTwilioSignature(TOKEN, u, p);
      expect(twilioSignature(TOKEN, u, p)).toBe(official);
      expect(validateTwilioSignature(TOKEN, official, u, p)).toBe(true);
    }
  });
});

describe('twilio webhooks reject what is not signed (403)', () => {
  let harness: CarrierHarness;
  beforeEach(async () => {
    harness = await CarrierHarness.start(new Twilio({ accountSid: ACCOUNT, authToken: TOKEN }));
  });
  afterEach(() => harness.close());

  const form = { AccountSid: ACCOUNT, CallSid: 'CA00000000000000000000000000000002', CallStatus: 'ringing', From: '+14155550100', To: '+14155550199' };
  const post = (path: string, body: string, headers: Record<string, string>) =>
    fetch(harness.publicUrl + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

  it('accepts a voice webhook signed by the twilio package and answers TwiML', async () => {
    const signature = twilio.getExpectedTwilioSignature(TOKEN, `${harness.publicUrl}/twilio/voice`, form);
    const response = await post('/twilio/voice', new URLSearchParams(form).toString(), { 'x-twilio-signature': signature });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/xml');
    const body = await response.text();
    expect(body).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?><Response><Connect><Stream url="ws:\/\/127\.0\.0\.1:\d+\/twilio\/stream\/ref-1">/);
    expect(body).toContain('<Parameter name="callRef" value="ref-1"/>');
    expect(body).toContain('<Parameter name="from" value="+14155550100"/>');
  });

  it('refuses a tampered body, URL or signature, and a missing signature', async () => {
    const url = `${harness.publicUrl}/twilio/voice`;
    const good = twilio.getExpectedTwilioSignature(TOKEN, url, form);
    const tamperedBody = new URLSearchParams({ ...form, From: '+19005550000' }).toString();
    expect((await post('/twilio/voice', tamperedBody, { 'x-twilio-signature': good })).status).toBe(403);
    const otherUrl = twilio.getExpectedTwilioSignature(TOKEN, `${harness.publicUrl}/twilio/voice?x=1`, form);
    expect((await post('/twilio/voice', new URLSearchParams(form).toString(), { 'x-twilio-signature': otherUrl })).status).toBe(403);
    const wrongToken = twilio.getExpectedTwilioSignature('another-token', url, form);
    expect((await post('/twilio/voice', new URLSearchParams(form).toString(), { 'x-twilio-signature': wrongToken })).status).toBe(403);
    expect((await post('/twilio/voice', new URLSearchParams(form).toString(), {})).status).toBe(403);
    for (const path of ['/twilio/status', '/twilio/amd', '/twilio/recording']) {
      expect((await post(path, new URLSearchParams(form).toString(), { 'x-twilio-signature': good })).status).toBe(403);
    }
    expect(harness.events.items).toEqual([]);
  });

  it('verifies GET webhooks over the URL alone, and rejects calls while the server is not accepting', async () => {
    const query = new URLSearchParams(form).toString();
    const url = `${harness.publicUrl}/twilio/voice?${query}`;
    const signature = twilio.getExpectedTwilioSignature(TOKEN, url, {});
    harness.accepting = false;
    const response = await fetch(url, { headers: { 'x-twilio-signature': signature } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="busy"/></Response>');
    const tampered = await fetch(url.replace('ringing', 'completed'), { headers: { 'x-twilio-signature': signature } });
    expect(tampered.status).toBe(403);
  });

  it('accepts the JSON-body variant and refuses a changed body', async () => {
    const body = JSON.stringify({ CallSid: 'CA9', CallStatus: 'completed' });
    const url = `${harness.publicUrl}/twilio/status?callRef=r1&bodySHA256=${twilio.getExpectedBodyHash(body)}`;
    const signature = twilio.getExpectedTwilioSignature(TOKEN, url, {});
    const path = url.slice(harness.publicUrl.length);
    const send = (b: string) => fetch(harness.publicUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-twilio-signature': signature }, body: b });
    expect((await send(body)).status).toBe(204);
    expect(harness.events.items[0]).toEqual({ type: 'status', callId: 'CA9', status: 'completed', callRef: 'r1' });
    expect((await send(body.replace('CA9', 'CA8'))).status).toBe(403);
  });
});
