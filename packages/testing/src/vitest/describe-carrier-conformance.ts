import { carrierConformanceChecks, type CarrierConformanceHarness } from '../conformance/carrier-conformance.js';
import { describeConformance, withHooks, type DescribeConformanceOptions } from './describe-conformance.js';

/** Declare the Carrier conformance suite in vitest. */
export function describeCarrierConformance(harness: CarrierConformanceHarness, options: DescribeConformanceOptions = {}): void {
  describeConformance(`${harness.name ?? 'Carrier'} conformance`, carrierConformanceChecks(harness), withHooks(harness, options));
}
