import { afterEach, describe, expect, it } from 'vitest';
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
