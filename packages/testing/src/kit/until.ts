/**
 * Resolves once `check()` is true, polling every 5 ms; rejects after `timeoutMs` (default 3 s,
 * generous for a loaded machine) so a test that waits on a fake never hangs.
 */
export async function until(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
