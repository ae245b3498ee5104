import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@patter/core';
import { CarrierHarness, FakeTelnyxApi, TelnyxSimulator, rawPublicKeyBase64, signTelnyxWebhook } from '@patter/testing';
import { Telnyx } from './telnyx.js';
import { telnyxPublicKey, verifyTelnyxSignature } from './telnyx-signature.js';

// Fixture from the protocol notes (§6): seed 0x42 × 32, deterministic Ed25519 signatures.
const FIXTURE_KEY = 'IVL40Zt5HSRFMkLhXy6rbLfP+ntqXtMAl5YOBpiB2xI=';
const FIXTURE_BODY =
  '{"data":{"event_type":"call.initiated","id":"11111111-1111-4111-8111-111111111101","occurred_at":"2026-01-05T10:00:00.000000Z","payload":{"call_control_id":"v3:fixture-call-control-id-0001","call_leg_id":"22222222-2222-4222-8222-222222222201","call_session_id":"33333333-3333-4333-8333-333333333301","client_state":null,"connection_id":"1494404757140276705","direction":"incoming","from":"+14155550100","to":"+14155550199","start_time":"2026-01-05T10:00:00.000000Z","state":"parked"},"record_type":"event"}}';
const FIXTURE_SIG = '8mXnKocc67NVQsenHCKgQahH4krz9JN6f/DkBGp4SEDFnsU116IdFcQn8fZZc0NYu3pWR5aXsDUUyKcDCkqdAw==';
const FIXTURE_TS = '1767607200';

describe('telnyx signature', () => {
  const key = telnyxPublicKey(FIXTURE_KEY);
  const body = Buffer.from(FIXTURE_BODY);

  it('verifies the fixture webhook with the portal-format key', () => {
    expect(verifyTelnyxSignature(key, FIXTURE_SIG, FIXTURE_TS, body, { nowSecs: 1767607200 + 299 })).toBe('ok');
  });

  it('refuses stale or future timestamps, tampered bodies and bad signatures', () => {
    expect(verifyTelnyxSignature(key, FIXTURE_SIG, FIXTURE_TS, body, { nowSecs: 1767607200 + 301 })).toBe('stale timestamp');
    expect(verifyTelnyxSignature(key, FIXTURE_SIG, FIXTURE_TS, body, { nowSecs: 1767607200 - 301 })).toBe('stale timestamp');
    expect(verifyTelnyxSignature(key, FIXTURE_SIG, FIXTURE_TS, Buffer.from(FIXTURE_BODY.replace('+14155550100', '+19005550100')), { nowSecs: 1767607200 })).toBe('bad signature');
    expect(verifyTelnyxSignature(key, FIXTURE_SIG, '1767607201', body, { nowSecs: 1767607200 })).toBe('bad signature');
    expect(verifyTelnyxSignature(key, 'AAAA', FIXTURE_TS, body, { nowSecs: 1767607200 })).toBe('bad signature');
    expect(verifyTelnyxSignature(key, undefined, FIXTURE_TS, body)).toBe('missing headers');
  });

  it('refuses a non-numeric timestamp even when the signature over it is valid', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const k = telnyxPublicKey(rawPublicKeyBase64(publicKey));
    for (const ts of ['abc', '1767607200.5', ' 1767607200', '-1', '1e9']) {
      const sig = signTelnyxWebhook(privateKey, ts, FIXTURE_BODY);
      expect(verifyTelnyxSignature(k, sig, ts, body, { nowSecs: 1767607200 })).toBe('bad timestamp');
    }
  });

  it('takes the key as raw 32 bytes (portal) or SPKI DER, and names the option otherwise', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const spki = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    expect(telnyxPublicKey(spki).asymmetricKeyType).toBe('ed25519');
    expect(() => telnyxPublicKey(Buffer.alloc(31).toString('base64'))).toThrow(ConfigError);
    expect(() => telnyxPublicKey('not a key')).toThrow(/publicKey/);
  });

  it('refuses a misspelt option with the one meant', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const key = rawPublicKeyBase64(publicKey);
    expect(() => new Telnyx({ apiKey: 'KEY_x', publicKey: key, conectionId: 'c' } as never)).toThrow('conectionId: unknown Telnyx option; did you mean connectionId?');
    expect(() => new Telnyx({ apiKey: 'KEY_x', publicKey: key, connectionId: 'c' })).not.toThrow();
  });
});

describe('telnyx webhook route', () => {
  let api: FakeTelnyxApi;
  let harness: CarrierHarness;
  let sim: TelnyxSimulator;
  beforeEach(async () => {
    api = await new FakeTelnyxApi('KEY_fixture').start();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    harness = await CarrierHarness.start(new Telnyx({ apiKey: 'KEY_fixture', publicKey: rawPublicKeyBase64(publicKey), baseUrl: `${api.url}/v2` }));
    sim = new TelnyxSimulator({ serverUrl: harness.publicUrl, api, privateKey });
  });
  afterEach(async () => {
    await harness.close();
    await api.close();
  });

  const payload = { call_control_id: 'v3:abc', client_state: null, from: '+14155550100', to: '+14155550199' };

  it('accepts a correctly signed webhook', async () => {
    expect((await sim.webhook('call.answered', payload)).status).toBe(200);
    expect(harness.events.items).toEqual([{ type: 'status', callId: 'v3:abc', status: 'answered' }]);
  });

  it('answers 403 to stale, future, non-numeric timestamps, bad signatures and tampered bodies', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await sim.webhook('call.answered', payload, { timestamp: String(now - 400) })).status).toBe(403);
    expect((await sim.webhook('call.answered', payload, { timestamp: String(now + 400) })).status).toBe(403);
    expect((await sim.webhook('call.answered', payload, { timestamp: 'yesterday' })).status).toBe(403);
    expect((await sim.webhook('call.answered', payload, { signature: Buffer.alloc(64, 1).toString('base64') })).status).toBe(403);
    expect((await sim.webhook('call.answered', payload, { signedBody: '{"data":{}}' })).status).toBe(403);
    const other = new TelnyxSimulator({ serverUrl: harness.publicUrl, api });
    expect((await other.webhook('call.answered', payload)).status).toBe(403);
    expect(harness.events.items).toEqual([]);
  });

  it('ignores a redelivered event (same id)', async () => {
    await sim.webhook('call.answered', payload, { id: 'evt-1' });
    await sim.webhook('call.answered', payload, { id: 'evt-1' });
    expect(harness.events.items).toHaveLength(1);
  });
});
