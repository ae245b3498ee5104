import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { silentLogger, type Carrier } from '@patter/core';
import { FakeTelnyxApi, rawPublicKeyBase64, TelnyxSimulator, type FakeTelnyxDial } from '@patter/testing';
import { Telnyx } from '@patter/telnyx';
import { afterEach, describe, expect, it } from 'vitest';
import { Patter } from '../patter.js';
import { openTestStore } from '../test-support/history-store.js';
import { RecordingSession } from '../test-support/recording-session.js';
import { inertAgentOptions } from '../test-support/test-server.js';

// A campaign on Telnyx, which has no call list (Carrier.findCalls): the ends come from the
// call.hangup webhooks, the hangup cause deciding the outcome, and no carrier list is ever asked.

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('phone.campaign() on Telnyx', () => {
  it('a busy hang-up (user_busy) is retried per the policy; an answered call that hangs up normally is done', async () => {
    const api = await new FakeTelnyxApi('KEY_campaign').start();
    closers.push(() => api.close());
    const db = await openTestStore();
    closers.push(() => db.client.close());
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const carrier = new Telnyx({ apiKey: 'KEY_campaign', publicKey: rawPublicKeyBase64(publicKey), baseUrl: `${api.url}/v2`, connectionId: 'conn-1' });
    expect((carrier as Carrier).findCalls).toBeUndefined();
    const phone = new Patter({ carrier, phoneNumber: '+14155550199', logger: silentLogger, createSession: (options) => new RecordingSession(options) });
    const handle = await phone.serve({
      agent: phone.agent(inertAgentOptions),
      port: 0,
      host: '127.0.0.1',
      shutdownSignals: false,
      devPhone: false,
      dashboard: false,
      store: db.store,
      fleet: { tickMs: 200, limits: { cpsPerFromNumber: 10, callsPerFromNumber: 2 } },
    });
    closers.push(() => handle.close({ timeoutMs: 0 }));
    const simulator = new TelnyxSimulator({ serverUrl: handle.url, api, privateKey });
    let busyOnce = true;
    const answer = async (dial: FakeTelnyxDial) => {
      if (dial.body.to === '+14155550002' && busyOnce) {
        busyOnce = false;
        const ids = { call_control_id: dial.callControlId, call_leg_id: randomUUID(), call_session_id: randomUUID(), connection_id: 'conn-1' };
        await simulator.webhook('call.hangup', { ...ids, client_state: dial.body.client_state, hangup_cause: 'user_busy', hangup_source: 'callee', state: 'hangup' });
        return;
      }
      const call = await simulator.answerOutbound(dial);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await call.stop();
    };
    const push = api.dials.push.bind(api.dials);
    api.dials.push = (dial: FakeTelnyxDial) => {
      push(dial);
      setImmediate(() => void answer(dial).catch(() => undefined));
    };

    const { campaignId } = await phone.campaign({
      contacts: [{ to: '+14155550001' }, { to: '+14155550002' }],
      concurrency: 2,
      retry: { onBusy: true, maxAttempts: 2, backoff: { baseMs: 200 } },
    });
    await eventually(async () => (await phone.campaignProgress(campaignId))?.state === 'done', 90_000);
    expect((await phone.campaignProgress(campaignId))?.contacts.map((c) => [c.to, c.state, c.attempts, c.outcome])).toEqual([
      ['+14155550001', 'done', 1, 'completed'],
      ['+14155550002', 'done', 2, 'completed'],
    ]);
    expect(api.dials.items.map((dial) => dial.body.to).sort()).toEqual(['+14155550001', '+14155550002', '+14155550002']);
    expect(api.requests.items.filter((request) => request.method === 'GET')).toEqual([]);
  }, 120_000);
});
