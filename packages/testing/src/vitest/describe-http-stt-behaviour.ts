import { httpSTTBehaviourChecks, type HttpSTTBehaviourHarness } from '../conformance/http-stt-behaviour.js';
import { describeConformance, type DescribeConformanceOptions } from './describe-conformance.js';

/** Declares the HTTP-STT behaviour checks as vitest tests: one call in a plugin's test file. */
export function describeHttpSTTBehaviour(harness: HttpSTTBehaviourHarness, options: DescribeConformanceOptions = {}): void {
  describeConformance(`${harness.name} HTTP behaviour`, httpSTTBehaviourChecks(harness), options);
}
