/** Hours a campaign may dial, in the contact's (or the campaign's) local time. */
export interface CallWindow {
  /** Week days, 0 = Sunday. Default every day. */
  readonly days?: readonly number[];
  /** `HH:MM`, local, inclusive. */
  readonly from: string;
  /** `HH:MM`, local, exclusive; earlier than `from` spans midnight. */
  readonly to: string;
  /** IANA zone used when the contact has none. Default UTC. */
  readonly timeZone?: string;
}

const WEEKDAY: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formats = new Map<string, Intl.DateTimeFormat>();

function localTime(timeZone: string, at: number): { day: number; minute: number } {
  let format = formats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formats.set(timeZone, format);
  }
  let day = 0;
  let minute = 0;
  for (const part of format.formatToParts(at)) {
    if (part.type === 'weekday') day = WEEKDAY[part.value] ?? 0;
    else if (part.type === 'hour') minute += Number(part.value) * 60;
    else if (part.type === 'minute') minute += Number(part.value);
  }
  return { day, minute };
}

const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether `at` falls inside the window in `timeZone` (the zone's DST rules come from Intl). */
export function windowOpen(window: CallWindow, timeZone: string | undefined, at: number): boolean {
  const { day, minute } = localTime(timeZone ?? window.timeZone ?? 'UTC', at);
  const from = minutes(window.from);
  const to = minutes(window.to);
  if (from <= to) return (window.days === undefined || window.days.includes(day)) && minute >= from && minute < to;
  // Spans midnight: the part after midnight belongs to the previous day's window.
  if (minute >= from) return window.days === undefined || window.days.includes(day);
  return minute < to && (window.days === undefined || window.days.includes((day + 6) % 7));
}

/** The next instant (minute precision) at or after `at` when the window is open; `at` if open now. */
export function nextOpening(window: CallWindow, timeZone: string | undefined, at: number): number {
  if (windowOpen(window, timeZone, at)) return at;
  const start = Math.ceil(at / 60_000) * 60_000;
  // Minute steps over at most 8 days: a window opens on a whole local minute in every zone.
  for (let t = start; t < start + 8 * 86_400_000; t += 60_000) if (windowOpen(window, timeZone, t)) return t;
  throw new RangeError('the call window never opens');
}
