import { ConfigError, MULAW_8K, silentLogger, type TTSProvider } from '@patter/core';
import { FakeTwilioApi, TwilioSimulator, type FakeTwilioCall, type TwilioSimulatedCall } from '@patter/testing';
import { Twilio } from '@patter/twilio';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Patter } from '../patter.js';
import type { ServeOptions } from '../serve-options.js';
import { openTestStore } from '../test-support/history-store.js';
import { silentStt } from '../test-support/silent-stt.js';
import { waitFor } from '../test-support/test-server.js';

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// phone.campaign() through the real server, the real Twilio plugin, core's call session and the
// fleet on PGlite: FakeTwilioApi creates the calls, TwilioSimulator answers them (or not).

const ACCOUNT_SID = 'AC' + 'e5'.repeat(16);
const AUTH_TOKEN = 'campaign-test-auth-token';


function textTts(): TTSProvider & { texts: string[] } {
  const texts: string[] = [];
  return {
    key: 'voice',
    outputFormats: [MULAW_8K],
    texts,
    synthesize: async function* (text: string) {
      texts.push(text);
      yield new Uint8Array(text.length * 8).fill(0x2a);
    },
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

type Answer = 'human' | 'busy' | 'machine' | 'hold';

async function start(fleet: ServeOptions['fleet'] = { limits: { cpsPerFromNumber: 20, callsPerFromNumber: 3 }, tickMs: 200 }, dashboard: ServeOptions['dashboard'] = false) {
  const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
  closers.push(() => api.close());
  const db = await openTestStore();
  closers.push(() => db.client.close());
  const tts = textTts();
  const phone = new Patter({ carrier: new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }), phoneNumber: '+14155550100', logger: silentLogger });
  const served = phone.agent({ stt: silentStt(), tts, onMessage: () => 'ok', firstMessage: 'Hello {name}, default agent.', variables: { name: 'there' } });
  const sales = phone.agent({ stt: silentStt(), tts, onMessage: () => 'ok', firstMessage: 'Hi {name}, sales here.', voicemailMessage: 'Sales for {name}, call back.' });
  const handle = await phone.serve({
    agent: served,
    port: 0,
    host: '127.0.0.1',
    shutdownSignals: false,
    devPhone: false,
    store: db.store,
    dashboard,
    fleet: fleet === true || fleet === false || fleet === undefined ? fleet : { agents: { sales }, ...fleet },
  });
  closers.push(() => handle.close({ timeoutMs: 0 }));
  const simulator = new TwilioSimulator({ serverUrl: handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
  const live = new Map<string, TwilioSimulatedCall>();
  api.onHangup = (sid) => void live.get(sid)?.stop();
  /** How each number answers, in order of its calls (default: a person who hangs up after a moment). */
  const answers = new Map<string, Answer[]>();
  const answer = async (created: FakeTwilioCall): Promise<void> => {
    const to = created.form.get('To')!;
    const how = answers.get(to)?.shift() ?? 'human';
    const query = new URL(created.form.get('StatusCallback')!).search;
    if (how === 'busy') {
      created.status = 'busy';
      await simulator.statusCallback(created.sid, 'busy', query);
      return;
    }
    const call = await simulator.connect(created.form.get('Twiml')!, created.sid);
    live.set(created.sid, call);
    if (how === 'machine') {
      const amd = new URL(created.form.get('AsyncAmdStatusCallback')!).search;
      await simulator.amdCallback(created.sid, 'machine_end_beep', amd);
      return; // the agent leaves the voicemail and hangs up (api.onHangup stops the stream)
    }
    if (how === 'hold') return;
    const amd = created.form.get('AsyncAmdStatusCallback');
    if (amd !== null) await simulator.amdCallback(created.sid, 'human', new URL(amd).search);
    await new Promise((resolve) => setTimeout(resolve, 600));
    await call.stop();
  };
  const push = api.calls.push.bind(api.calls);
  api.calls.push = (call: FakeTwilioCall) => {
    push(call);
    setImmediate(() => void answer(call).catch(() => undefined));
  };
  return { api, db, phone, handle, tts, answers, live };
}

describe('phone.campaign() on the running server', () => {
  it('calls each contact with the campaign agent and its variables; busy is retried, a machine gets the voicemail; progress ends done', async () => {
    const { api, phone, tts, answers } = await start();
    answers.set('+14155550002', ['busy', 'human']);
    answers.set('+14155550003', ['machine']);
    const { campaignId } = await phone.campaign({
      agent: 'sales',
      contacts: [
        { to: '+14155550001', variables: { name: 'Ada' } },
        { to: '+14155550002', variables: { name: 'Bob' } },
        { to: '+14155550003', variables: { name: 'Cy' } },
      ],
      concurrency: 3,
      retry: { onBusy: true, maxAttempts: 2, backoff: { baseMs: 200 } },
    });
    expect(campaignId).toMatch(/^cmp_/);
    await eventually(async () => (await phone.campaignProgress(campaignId))?.state === 'done', 90_000);
    const progress = await phone.campaignProgress(campaignId);
    expect(progress?.contacts.map((c) => [c.to, c.state, c.attempts, c.outcome])).toEqual([
      ['+14155550001', 'done', 1, 'completed'],
      ['+14155550002', 'done', 2, 'completed'],
      ['+14155550003', 'done', 1, 'voicemail'],
    ]);
    expect(progress?.counts).toEqual({ queued: 0, dialing: 0, in_call: 0, done: 3, failed: 0 });
    // Four calls, from the Patter's number; AMD on (the sales agent has a voicemail message).
    expect(api.calls.items.map((c) => c.form.get('To')).sort()).toEqual(['+14155550001', '+14155550002', '+14155550002', '+14155550003']);
    expect(api.calls.items.every((c) => c.form.get('From') === '+14155550100' && c.form.get('MachineDetection') === 'DetectMessageEnd')).toBe(true);
    expect(tts.texts).toEqual(expect.arrayContaining(['Hi Ada, sales here.', 'Hi Bob, sales here.', 'Sales for Cy, call back.']));
    expect(tts.texts.some((text) => text.includes('Cy, sales here'))).toBe(false);
    expect(tts.texts.some((text) => text.includes('default agent'))).toBe(false);
  }, 120_000);

  it('the served agent is the default; fromNumbers are the caller ids', async () => {
    const { api, phone, tts } = await start();
    const { campaignId } = await phone.campaign({ contacts: [{ to: '+14155550001', variables: { name: 'Ada' } }], concurrency: 1, fromNumbers: ['+14155550177'] });
    await eventually(async () => (await phone.campaignProgress(campaignId))?.state === 'done', 90_000);
    expect(api.calls.items.map((c) => [c.form.get('From'), c.form.has('MachineDetection')])).toEqual([['+14155550177', false]]);
    expect(tts.texts).toEqual(['Hello Ada, default agent.']);
  }, 120_000);

  it('phone.schedule() stores a recurring campaign (validated like a campaign)', async () => {
    const { phone, db } = await start();
    const { scheduleId } = await phone.schedule({ cron: '30 9 * * 1-5', timeZone: 'Europe/Rome', campaign: { contacts: [{ to: '+14155550001' }], concurrency: 1 } });
    const rows = await db.client.query<{ cron: string; campaign: { fromNumbers: string[] } }>('SELECT cron, campaign FROM patter_schedules WHERE schedule_id = $1', [scheduleId]);
    expect(rows[0]?.cron).toBe('30 9 * * 1-5');
    expect(rows[0]?.campaign.fromNumbers).toEqual(['+14155550100']);
    await expect(phone.schedule({ cron: 'nope', campaign: { contacts: [{ to: '+14155550001' }], concurrency: 1 } })).rejects.toMatchObject({ option: 'cron' });
  }, 120_000);

  it('SIGTERM drain (close) stops the fleet taking calls: the live call finishes, the other contacts stay queued', async () => {
    const { api, phone, handle, db, answers, live } = await start({ limits: { cpsPerFromNumber: 20, callsPerFromNumber: 1 }, tickMs: 200 });
    const contacts = ['+14155550001', '+14155550002', '+14155550003', '+14155550004'].map((to) => ({ to }));
    for (const { to } of contacts) answers.set(to, ['hold']);
    const { campaignId } = await phone.campaign({ contacts, concurrency: 1 });
    await waitFor(() => live.size === 1, 60_000);
    const closing = handle.close({ timeoutMs: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(handle.activeCalls).toBe(1); // the live call goes on during the drain
    await [...live.values()][0]!.stop();
    await closing;
    expect(api.calls.items).toHaveLength(1);
    const states = await db.client.query<{ state: string; n: number }>(
      'SELECT state, count(*)::int AS n FROM patter_campaign_contacts WHERE campaign_id = $1 GROUP BY state ORDER BY state',
      [campaignId],
    );
    expect(states).toEqual([{ state: 'done', n: 1 }, { state: 'queued', n: 3 }]);
  }, 120_000);
});

describe('campaign options are checked, naming the option', () => {
  it('serve({ fleet }) without the store, bad slots or limits', async () => {
    const phone = () => new Patter({ carrier: new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: 'http://127.0.0.1:9' }), phoneNumber: '+14155550100', logger: silentLogger });
    const base = { agent: { onMessage: () => 'ok' }, port: 0, host: '127.0.0.1', shutdownSignals: false as const, devPhone: false as const };
    await expect(phone().serve({ ...base, store: false, fleet: true })).rejects.toMatchObject({ option: 'fleet' });
    await expect(phone().serve({ ...base, store: false, fleet: { slots: 0 } })).rejects.toMatchObject({ option: 'fleet.slots' });
    await expect(phone().serve({ ...base, store: false, fleet: { limits: { cpsPerFromNumber: 0 } } })).rejects.toMatchObject({ option: 'fleet.limits.cpsPerFromNumber' });
    await expect(phone().serve({ ...base, store: false, fleet: { bogus: 1 } as never })).rejects.toMatchObject({ option: 'fleet.bogus' });
    await expect(phone().serve({ ...base, store: false, fleet: { jobSchema: 'Bad-Name' } })).rejects.toMatchObject({ option: 'fleet.jobSchema' });
    await expect(phone().serve({ ...base, store: false, fleet: { jobExpireSeconds: 0.5 } })).rejects.toMatchObject({ option: 'fleet.jobExpireSeconds' });
    await expect(phone().serve({ ...base, store: false, fleet: { leaseMs: -1 } })).rejects.toMatchObject({ option: 'fleet.leaseMs' });
  }, 30_000);

  it('phone.campaign() refuses an unknown agent, a bad contact, and a server without the fleet', async () => {
    const { phone } = await start();
    await expect(phone.campaign({ agent: 'nobody', contacts: [{ to: '+14155550001' }], concurrency: 1 })).rejects.toMatchObject({ option: 'agent' });
    await expect(phone.campaign({ contacts: [{ to: '555' }], concurrency: 1 })).rejects.toMatchObject({ option: 'contacts[0].to' });
    await expect(phone.campaign({ contacts: [{ to: '+14155550001' }], concurrency: 0 })).rejects.toBeInstanceOf(ConfigError);
    const plain = new Patter({ logger: silentLogger });
    await expect(plain.campaign({ contacts: [{ to: '+14155550001' }], concurrency: 1 })).rejects.toThrow(/running server/);
  }, 120_000);
});

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { connection: 'close', ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('campaign progress on the dashboard', () => {
  it('GET /dashboard/api/campaigns and /api/campaigns/<id> show each contact\'s state, behind the dashboard\'s access control', async () => {
    const secret = 'dashboard-secret-0123456789';
    const { phone, handle, answers, live } = await start({ limits: { cpsPerFromNumber: 20, callsPerFromNumber: 1 }, tickMs: 200 }, { secret });
    // Both hold the line: whichever is dialed first stays in the call, the other waits (one call per number).
    answers.set('+14155550001', ['hold']);
    answers.set('+14155550002', ['hold']);
    const { campaignId } = await phone.campaign({ name: 'renewals', contacts: [{ to: '+14155550001' }, { to: '+14155550002' }], concurrency: 1 });
    await waitFor(() => live.size === 1, 60_000);
    await eventually(async () => (await phone.campaignProgress(campaignId))?.counts.in_call === 1, 60_000);
    const auth = { host: 'calls.example.com', authorization: `Bearer ${secret}` };
    const list = await get(`${handle.dashboardUrl}/api/campaigns`, auth);
    expect(list.status).toBe(200);
    expect(JSON.parse(list.body)).toEqual({
      campaigns: [{ campaignId, name: 'renewals', state: 'running', createdAt: expect.any(String), counts: { queued: 1, dialing: 0, in_call: 1, done: 0, failed: 0 } }],
    });
    const one = await get(`${handle.dashboardUrl}/api/campaigns/${campaignId}`, auth);
    expect(one.status).toBe(200);
    const contacts = (JSON.parse(one.body) as { contacts: { to: string; state: string; attempts: number; outcome: unknown }[] }).contacts;
    expect(contacts.map((c) => c.to)).toEqual(['+14155550001', '+14155550002']);
    expect(contacts.map((c) => [c.state, c.attempts, c.outcome]).sort()).toEqual([
      ['in_call', 1, null],
      ['queued', 0, null],
    ]);
    expect((await get(`${handle.dashboardUrl}/api/campaigns/cmp_nope`, auth)).status).toBe(404);
    expect((await get(`${handle.dashboardUrl}/api/campaigns`, { host: 'calls.example.com' })).status).toBe(401);
    expect((await get(`${handle.dashboardUrl}/api/campaigns/${campaignId}`, { host: 'calls.example.com', authorization: 'Bearer wrong-secret-0123456789' })).status).toBe(401);
    await [...live.values()][0]!.stop();
  }, 120_000);
});
