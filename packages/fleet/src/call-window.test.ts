import { describe, expect, it } from 'vitest';
import { nextOpening, windowOpen } from './call-window.js';

describe('call windows in local time (Intl time zones)', () => {
  it('opens at 09:00 Rome time on both sides of the spring DST change', () => {
    const window = { from: '09:00', to: '17:00', timeZone: 'Europe/Rome' };
    // Saturday 28 March 2026, 18:00 UTC (19:00 CET): closed; Sunday opens at 09:00 CEST = 07:00 UTC.
    expect(new Date(nextOpening(window, undefined, Date.parse('2026-03-28T18:00:00Z'))).toISOString()).toBe('2026-03-29T07:00:00.000Z');
    // The day before, still winter time: 09:00 CET = 08:00 UTC.
    expect(new Date(nextOpening(window, undefined, Date.parse('2026-03-27T18:00:00Z'))).toISOString()).toBe('2026-03-28T08:00:00.000Z');
  });

  it('a contact\'s own zone wins over the campaign\'s; week days and midnight-spanning windows', () => {
    const window = { from: '09:00', to: '17:00', timeZone: 'Europe/Rome', days: [1, 2, 3, 4, 5] };
    const at = Date.parse('2026-06-01T14:00:00Z'); // Monday: 16:00 in Rome, 10:00 in New York
    expect(windowOpen(window, undefined, at)).toBe(true);
    expect(windowOpen(window, 'America/Los_Angeles', at)).toBe(false); // 07:00
    expect(new Date(nextOpening(window, 'America/Los_Angeles', at)).toISOString()).toBe('2026-06-01T16:00:00.000Z');
    // Friday 17:00 Rome -> Monday 09:00.
    expect(new Date(nextOpening(window, undefined, Date.parse('2026-06-05T15:00:00Z'))).toISOString()).toBe('2026-06-08T07:00:00.000Z');
    const night = { from: '22:00', to: '02:00', timeZone: 'UTC', days: [5] };
    expect(windowOpen(night, undefined, Date.parse('2026-06-05T23:00:00Z'))).toBe(true); // Friday 23:00
    expect(windowOpen(night, undefined, Date.parse('2026-06-06T01:00:00Z'))).toBe(true); // Saturday 01:00, Friday's window
    expect(windowOpen(night, undefined, Date.parse('2026-06-06T23:00:00Z'))).toBe(false); // Saturday's own is not a day
  });
});
