import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@patter/core';
import { NotDialedError } from './not-dialed-error.js';
import { campaignHarness, type Harness } from './test-support/campaign-harness.js';

const numbers = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Fleet campaigns on PGlite (pg-boss jobs, fake Twilio API)', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('dials every contact exactly once and never exceeds the campaign, per-number and CPS limits', async () => {
    harness = await campaignHarness(400);
    const fleet = await harness.startFleet({ slots: 6, limits: { callsPerFromNumber: 2, cpsPerFromNumber: 1 } });
    const contacts = numbers('+1555100', 16).map((to) => ({ to, variables: { name: `n${to.slice(-2)}` } }));
    const fromNumbers = numbers('+1555900', 4);
    const { campaignId } = await fleet.campaign({ contacts, concurrency: 5, fromNumbers });
    await until(async () => (await fleet.progress(campaignId))?.state === 'done', 90_000);

    const progress = await fleet.progress(campaignId);
    expect(progress?.counts).toEqual({ queued: 0, dialing: 0, in_call: 0, done: 16, failed: 0 });
    const dialed = harness.api.calls.items.map((call) => call.form.get('To'));
    expect(dialed.sort()).toEqual(contacts.map((c) => c.to).sort());
    expect(harness.ledger.maxLive).toBeLessThanOrEqual(5);
    for (const from of fromNumbers) expect(harness.ledger.maxPerFrom.get(from) ?? 0).toBeLessThanOrEqual(2);
    // CPS: the slots the fleet reserved for each number are >= 1 s apart.
    const rows = await harness.client.query<{ from_number: string; dial_ms: number }>(
      'SELECT from_number, (extract(epoch FROM dial_at) * 1000)::float8 AS dial_ms FROM patter_campaign_attempts ORDER BY from_number, dial_at',
    );
    for (let i = 1; i < rows.length; i += 1) {
      const [a, b] = [rows[i - 1]!, rows[i]!];
      if (a.from_number === b.from_number) expect(Number(b.dial_ms) - Number(a.dial_ms)).toBeGreaterThanOrEqual(999);
    }
    // The carrier saw them spaced too (a wide margin for a loaded machine: never 3 in one second).
    for (const from of fromNumbers) {
      const times = harness.api.calls.items.filter((c) => c.form.get('From') === from).map((c) => c.createdAt ?? 0);
      for (let i = 2; i < times.length; i += 1) expect(times[i]! - times[i - 2]!).toBeGreaterThan(1000);
    }
  }, 120_000);

  it('a dial whose answer is lost (the worker died after the carrier created the call) is reconciled, not redialed', async () => {
    harness = await campaignHarness(300);
    let lost = 0;
    harness.dialer.loseAnswerOf = (request) => request.to === '+15551000001' && lost++ === 0;
    const fleet = await harness.startFleet({ slots: 3, leaseMs: 1000, limits: { cpsPerFromNumber: 10 } });
    const contacts = numbers('+1555100', 3).map((to) => ({ to }));
    const { campaignId } = await fleet.campaign({ contacts, concurrency: 3, fromNumbers: numbers('+1555900', 3) });
    await until(async () => (await fleet.progress(campaignId))?.state === 'done', 60_000);
    expect(lost).toBe(1);
    const toLost = harness.api.calls.items.filter((call) => call.form.get('To') === '+15551000001');
    expect(toLost).toHaveLength(1);
    // The reconciler asked the carrier for the attempt's call before anything else.
    expect(harness.api.requests.items.some((r) => r.method === 'GET' && r.query.get('To') === '+15551000001')).toBe(true);
    expect((await fleet.progress(campaignId))?.counts.done).toBe(3);
  }, 90_000);

  it('busy and no-answer are retried per the policy; voicemail ends the contact; attempts are capped', async () => {
    harness = await campaignHarness(200);
    harness.endings.set('+15551000000', ['busy', 'completed']);
    harness.endings.set('+15551000001', ['no-answer', 'no-answer', 'no-answer']);
    harness.endings.set('+15551000002', ['voicemail']);
    const fleet = await harness.startFleet({ slots: 3, limits: { cpsPerFromNumber: 10, callsPerFromNumber: 3 } });
    const contacts = numbers('+1555100', 3).map((to) => ({ to }));
    const { campaignId } = await fleet.campaign({
      contacts,
      concurrency: 3,
      fromNumbers: ['+15559000000'],
      retry: { onBusy: true, onNoAnswer: true, maxAttempts: 2, backoff: { baseMs: 300 } },
    });
    await until(async () => (await fleet.progress(campaignId))?.state === 'done', 60_000);
    const progress = await fleet.progress(campaignId);
    expect(progress?.contacts.map((c) => [c.state, c.attempts, c.outcome])).toEqual([
      ['done', 2, 'completed'],
      ['failed', 2, 'no-answer'],
      ['done', 1, 'voicemail'],
    ]);
    expect(harness.api.calls.items).toHaveLength(5);
  }, 90_000);
});

describe('Fleet call windows and start times (fake clock)', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('a window closing pauses the campaign; it resumes at the next opening, in the contact\'s time zone', async () => {
    let offset = 0;
    const clock = {
      now: () => Date.now() + offset,
      sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, Math.min(ms, 2000)))),
    };
    harness = await campaignHarness(100);
    const fleet = await harness.startFleet({ slots: 2, clock, limits: { cpsPerFromNumber: 1 } });
    offset = Date.parse('2026-06-01T14:59:52Z') - Date.now(); // Monday 16:59:52 in Rome
    const { campaignId } = await fleet.campaign({
      contacts: numbers('+1555100', 12).map((to) => ({ to })),
      concurrency: 1,
      fromNumbers: ['+15559000000'],
      window: { from: '09:00', to: '17:00', timeZone: 'Europe/Rome' },
    });
    // 8 s of window at 1 call per second and one call at a time: at most 9 calls, then a pause.
    await until(async () => Date.now() + offset >= Date.parse('2026-06-01T15:00:02Z'), 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const beforeClose = harness.api.calls.items.length;
    expect(beforeClose).toBeGreaterThanOrEqual(1);
    expect(beforeClose).toBeLessThan(10);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(harness.api.calls.items).toHaveLength(beforeClose);
    expect((await fleet.progress(campaignId))?.counts.queued).toBe(12 - beforeClose);
    // The next morning, 09:00 Rome (07:00 UTC): the rest is dialed, none of it before the opening.
    offset = Date.parse('2026-06-02T06:59:59Z') - Date.now();
    await until(async () => (await fleet.progress(campaignId))?.state === 'done', 60_000);
    expect(harness.api.calls.items).toHaveLength(12);
    const late = await harness.client.query<{ dial_ms: number }>(
      "SELECT (extract(epoch FROM dial_at) * 1000)::float8 AS dial_ms FROM patter_campaign_attempts WHERE dial_at > '2026-06-01T16:00:00Z'",
    );
    expect(late).toHaveLength(12 - beforeClose);
    for (const row of late) expect(Number(row.dial_ms)).toBeGreaterThanOrEqual(Date.parse('2026-06-02T07:00:00Z'));
  }, 120_000);

  it('a single call set for later (startAt) is not dialed before its time', async () => {
    let offset = 0;
    const clock = { now: () => Date.now() + offset, sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, Math.min(ms, 2000)))) };
    harness = await campaignHarness(100);
    const fleet = await harness.startFleet({ slots: 1, clock });
    const at = Date.now() + 3_600_000;
    const { campaignId } = await fleet.campaign({ contacts: [{ to: '+15551000000' }], concurrency: 1, fromNumbers: ['+15559000000'], startAt: at });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(harness.api.calls.items).toHaveLength(0);
    offset = 3_600_000;
    await until(async () => (await fleet.progress(campaignId))?.state === 'done', 30_000);
    expect(harness.api.calls.items).toHaveLength(1);
  }, 60_000);
});

describe('Fleet drain', () => {
  it('drain() stops taking jobs: nothing more is dialed, the contacts stay queued for the other instances', async () => {
    const harness = await campaignHarness(100);
    try {
      const fleet = await harness.startFleet({ slots: 1, limits: { cpsPerFromNumber: 1 } });
      const { campaignId } = await fleet.campaign({ contacts: numbers('+1555100', 8).map((to) => ({ to })), concurrency: 1, fromNumbers: ['+15559000000'] });
      await harness.api.calls.waitFor(() => true, 30_000);
      await fleet.drain();
      const dialed = harness.api.calls.items.length;
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(harness.api.calls.items).toHaveLength(dialed);
      const progress = await fleet.progress(campaignId);
      expect(progress?.counts.queued).toBeGreaterThanOrEqual(8 - dialed);
      expect(progress?.counts.dialing).toBe(0);
    } finally {
      await harness.close();
    }
  }, 60_000);
});

describe('Fleet call ends', () => {
  it('an end reported before the dialing worker recorded the call id is applied when it does', async () => {
    const harness = await campaignHarness(60_000);
    try {
      const fleet = await harness.startFleet({ slots: 1 });
      // The carrier's status callback arrives while the REST answer is still on its way.
      const dial = harness.dialer.dial.bind(harness.dialer);
      harness.dialer.dial = async (request) => {
        const placed = await dial(request);
        await fleet.callEnded(placed.callId, 'completed');
        return placed;
      };
      const { campaignId } = await fleet.campaign({ contacts: [{ to: '+15551000000' }], concurrency: 1, fromNumbers: ['+15559000000'] });
      await until(async () => (await fleet.progress(campaignId))?.state === 'done', 20_000);
      expect((await fleet.progress(campaignId))?.contacts[0]).toMatchObject({ state: 'done', outcome: 'completed', attempts: 1 });
    } finally {
      await harness.close();
    }
  }, 60_000);
});

describe('Fleet reconciliation by carrier', () => {
  it('a lost dial answer whose call reached an answering machine ends as voicemail (answered_by from the carrier list)', async () => {
    const harness = await campaignHarness(300);
    try {
      harness.endings.set('+15551000000', ['voicemail']);
      harness.dialer.loseAnswerOf = (request) => request.to === '+15551000000';
      const fleet = await harness.startFleet({ slots: 1, leaseMs: 1000, callCheckMs: 1000 });
      const { campaignId } = await fleet.campaign({ contacts: [{ to: '+15551000000' }], concurrency: 1, fromNumbers: ['+15559000000'] });
      await until(async () => (await fleet.progress(campaignId))?.state === 'done', 30_000);
      expect((await fleet.progress(campaignId))?.contacts[0]).toMatchObject({ state: 'done', outcome: 'voicemail', attempts: 1 });
      expect(harness.api.calls.items).toHaveLength(1);
    } finally {
      await harness.close();
    }
  }, 60_000);

  it('with a dialer that cannot list calls (Telnyx), a dial whose answer was lost is failed as dial-unconfirmed, never redialed', async () => {
    const harness = await campaignHarness(200);
    try {
      harness.dialer.loseAnswerOf = (request) => request.to === '+15551000001';
      const blind = { dial: harness.dialer.dial.bind(harness.dialer) };
      const fleet = await harness.startFleet({ slots: 2, leaseMs: 1000, dialer: blind, limits: { cpsPerFromNumber: 10, callsPerFromNumber: 2 } });
      const { campaignId } = await fleet.campaign({
        contacts: numbers('+1555100', 2).map((to) => ({ to })),
        concurrency: 2,
        fromNumbers: ['+15559000000'],
        retry: { onBusy: true, onNoAnswer: true, maxAttempts: 3, backoff: { baseMs: 100 } },
      });
      await until(async () => (await fleet.progress(campaignId))?.state === 'done', 30_000);
      const progress = await fleet.progress(campaignId);
      expect(progress?.contacts.map((c) => [c.state, c.attempts, c.outcome])).toEqual([
        ['done', 1, 'completed'],
        ['failed', 1, 'dial-unconfirmed'],
      ]);
      expect(harness.api.calls.items.filter((call) => call.form.get('To') === '+15551000001')).toHaveLength(1);
      expect(harness.api.requests.items.some((r) => r.method === 'GET')).toBe(false);
    } finally {
      await harness.close();
    }
  }, 60_000);
});

describe('Fleet dial errors', () => {
  it('a ConfigError from the dialer fails the contact at once (no carrier call); NotDialedError puts it back in the queue', async () => {
    const harness = await campaignHarness(200);
    try {
      let notDialed = 0;
      const dial = harness.dialer.dial.bind(harness.dialer);
      const dialer = {
        dial: async (request: Parameters<typeof dial>[0]) => {
          if (request.to === '+15551000000') throw new ConfigError('agent', 'no agent named "sales" in the serve option fleet.agents');
          if (request.to === '+15551000001' && notDialed++ === 0) throw new NotDialedError('the server is shutting down');
          return dial(request);
        },
        findCalls: harness.dialer.findCalls.bind(harness.dialer),
      };
      const fleet = await harness.startFleet({ slots: 2, dialer, limits: { cpsPerFromNumber: 10, callsPerFromNumber: 2 } });
      const { campaignId } = await fleet.campaign({ contacts: numbers('+1555100', 2).map((to) => ({ to })), concurrency: 2, fromNumbers: ['+15559000000'], retry: { onBusy: true, maxAttempts: 3 } });
      await until(async () => (await fleet.progress(campaignId))?.state === 'done', 30_000);
      expect((await fleet.progress(campaignId))?.contacts.map((c) => [c.state, c.attempts, c.outcome])).toEqual([
        ['failed', 1, 'failed'],
        ['done', 1, 'completed'],
      ]);
      expect(notDialed).toBe(2);
      expect(harness.api.calls.items.map((call) => call.form.get('To'))).toEqual(['+15551000001']);
    } finally {
      await harness.close();
    }
  }, 60_000);
});
