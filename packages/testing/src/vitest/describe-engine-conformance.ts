import { engineConformanceChecks, type EngineConformanceHarness } from '../conformance/engine-conformance.js';
import { describeConformance, withHooks, type DescribeConformanceOptions } from './describe-conformance.js';

/** Declare the Engine conformance suite in vitest. */
export function describeEngineConformance(harness: EngineConformanceHarness, options: DescribeConformanceOptions = {}): void {
  describeConformance(`${harness.name ?? 'Engine'} conformance`, engineConformanceChecks(harness), withHooks(harness, options));
}
