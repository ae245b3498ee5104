import { afterEach, beforeEach, describe, it } from 'vitest';
import type { ConformanceCheck, ConformanceHooks } from '../conformance/conformance-check.js';

export interface DescribeConformanceOptions extends ConformanceHooks {
  /** Per-check timeout in ms (default 15 s). */
  readonly timeoutMs?: number;
  /** Skip these checks by name (say why in your test file). */
  readonly skip?: readonly string[];
}

/** Declare one vitest `it` per check inside `describe(title)`. */
export function describeConformance(
  title: string,
  checks: readonly ConformanceCheck[],
  options: DescribeConformanceOptions = {},
): void {
  describe(title, () => {
    if (options.beforeEach) beforeEach(() => options.beforeEach?.());
    if (options.afterEach) afterEach(() => options.afterEach?.());
    for (const check of checks) {
      const declare = options.skip?.includes(check.name) ? it.skip : it;
      declare(check.name, () => check.run(), options.timeoutMs ?? 15_000);
    }
  });
}

/** Merge a harness's `beforeEach` / `afterEach` hooks into describe options. */
export function withHooks(hooks: ConformanceHooks, options: DescribeConformanceOptions): DescribeConformanceOptions {
  return {
    ...options,
    ...(hooks.beforeEach ? { beforeEach: () => hooks.beforeEach?.() } : {}),
    ...(hooks.afterEach ? { afterEach: () => hooks.afterEach?.() } : {}),
  };
}
