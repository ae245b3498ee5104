/** One named behaviour a provider must show; `run` throws (a `TestKitError`) when it does not. */
export interface ConformanceCheck {
  readonly name: string;
  run(): Promise<void>;
}

/** The outcome of one check, from `runConformanceChecks`. */
export interface ConformanceResult {
  readonly name: string;
  readonly passed: boolean;
  readonly error?: unknown;
}

/** Hooks a harness may give to run around every check (start/stop its fake, reset scripts). */
export interface ConformanceHooks {
  beforeEach?(): Promise<void> | void;
  afterEach?(): Promise<void> | void;
}

/**
 * Run checks one after another outside vitest (for apps, benches, or to prove a suite fails on
 * a broken implementation). Never throws: each result says whether its check passed.
 */
export async function runConformanceChecks(
  checks: readonly ConformanceCheck[],
  hooks: ConformanceHooks = {},
): Promise<ConformanceResult[]> {
  const results: ConformanceResult[] = [];
  for (const check of checks) {
    try {
      await hooks.beforeEach?.();
      await check.run();
      results.push({ name: check.name, passed: true });
    } catch (error) {
      results.push({ name: check.name, passed: false, error });
    } finally {
      try {
        await hooks.afterEach?.();
      } catch (error) {
        const last = results.at(-1);
        if (last?.passed) results[results.length - 1] = { name: last.name, passed: false, error };
      }
    }
  }
  return results;
}
