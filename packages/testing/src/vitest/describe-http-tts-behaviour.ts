import { httpTTSBehaviourChecks, type HttpTTSBehaviourHarness } from '../conformance/http-tts-behaviour.js';
import { describeConformance, type DescribeConformanceOptions } from './describe-conformance.js';

/** Declares the HTTP-TTS behaviour checks as vitest tests: one call in a plugin's test file. */
export function describeHttpTTSBehaviour(harness: HttpTTSBehaviourHarness, options: DescribeConformanceOptions = {}): void {
  describeConformance(`${harness.name} HTTP behaviour`, httpTTSBehaviourChecks(harness), options);
}
