/** Wrong secrets allowed per client address and window before it is refused for the rest of the window. */
const MAX_FAILURES = 10;
const WINDOW_MS = 60_000;
/** Addresses remembered at most (the oldest is forgotten first), so a flood cannot grow it. */
const MAX_ADDRESSES = 1024;

/**
 * Counts wrong dev-phone secrets per client address (no timers: windows are timestamps), so the
 * login form and the secret header cannot be brute-forced: past 10 failures in a minute the
 * address is refused until the minute is over, right secret or not.
 */
export class SecretAttempts {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  blocked(address: string | undefined): boolean {
    const entry = this.failures.get(address ?? '');
    if (entry === undefined) return false;
    if (this.now() - entry.since >= WINDOW_MS) {
      this.failures.delete(address ?? '');
      return false;
    }
    return entry.count >= MAX_FAILURES;
  }

  fail(address: string | undefined): void {
    const key = address ?? '';
    const now = this.now();
    const entry = this.failures.get(key);
    if (entry !== undefined && now - entry.since < WINDOW_MS) {
      entry.count++;
      return;
    }
    this.failures.delete(key);
    if (this.failures.size >= MAX_ADDRESSES) this.failures.delete(this.failures.keys().next().value as string);
    this.failures.set(key, { count: 1, since: now });
  }
}
