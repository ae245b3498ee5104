import { describe, expect, it } from 'vitest';
import { nextOccurrence } from './campaign-schedule.js';
import { campaignHarness } from './test-support/campaign-harness.js';

describe('campaign schedules (croner, IANA zones)', () => {
  it('09:00 every day in Rome is 08:00 UTC before the spring DST change and 07:00 UTC after it', () => {
    expect(new Date(nextOccurrence('0 9 * * *', 'Europe/Rome', Date.parse('2026-03-27T12:00:00Z'))).toISOString()).toBe('2026-03-28T08:00:00.000Z');
    expect(new Date(nextOccurrence('0 9 * * *', 'Europe/Rome', Date.parse('2026-03-28T12:00:00Z'))).toISOString()).toBe('2026-03-29T07:00:00.000Z');
    expect(() => nextOccurrence('61 * * * *', 'UTC', 0)).toThrow(/cron/);
  });

  it('each occurrence starts the campaign once; occurrences missed while down are not replayed (fake clock)', async () => {
    let offset = Date.parse('2026-06-01T13:29:50Z') - Date.now(); // Monday 09:29:50 in New York
    const clock = { now: () => Date.now() + offset, sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, Math.min(ms, 2000)))) };
    const harness = await campaignHarness(100);
    try {
      const fleet = await harness.startFleet({ slots: 1, clock });
      offset = Date.parse('2026-06-01T13:29:50Z') - Date.now();
      await fleet.schedule({
        cron: '30 9 * * 1-5',
        timeZone: 'America/New_York',
        campaign: { contacts: [{ to: '+15551000000' }], concurrency: 1, fromNumbers: ['+15559000000'] },
      });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(harness.api.calls.items).toHaveLength(0);
      offset = Date.parse('2026-06-01T13:30:00Z') - Date.now();
      await harness.api.calls.waitFor(() => true, 30_000);
      // Friday afternoon: Tuesday to Friday were missed; one campaign starts now, the next is Monday.
      offset = Date.parse('2026-06-05T18:00:00Z') - Date.now();
      await harness.api.calls.waitFor((_call) => harness.api.calls.items.length >= 2, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(harness.api.calls.items).toHaveLength(2);
      const [schedule] = await harness.client.query<{ next: string }>("SELECT to_char(next_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS next FROM patter_schedules");
      expect(schedule?.next).toBe('2026-06-08 13:30');
      const campaigns = await harness.client.query<{ n: number }>('SELECT count(*)::int AS n FROM patter_campaigns');
      expect(campaigns[0]?.n).toBe(2);
    } finally {
      await harness.close();
    }
  }, 90_000);
});
