import { llmConformanceChecks, type LLMConformanceHarness } from '../conformance/llm-conformance.js';
import { describeConformance, withHooks, type DescribeConformanceOptions } from './describe-conformance.js';

/** Declare the LLM conformance suite in vitest. */
export function describeLLMConformance(harness: LLMConformanceHarness, options: DescribeConformanceOptions = {}): void {
  describeConformance(`${harness.name ?? 'LLM'} conformance`, llmConformanceChecks(harness), withHooks(harness, options));
}
