import { sttConformanceChecks, type STTConformanceHarness } from '../conformance/stt-conformance.js';
import { describeConformance, withHooks, type DescribeConformanceOptions } from './describe-conformance.js';

/** Declare the STT conformance suite in vitest: `describeSTTConformance({ name: 'DeepgramSTT', ... })`. */
export function describeSTTConformance(harness: STTConformanceHarness, options: DescribeConformanceOptions = {}): void {
  describeConformance(`${harness.name ?? 'STT'} conformance`, sttConformanceChecks(harness), withHooks(harness, options));
}
