import { ttsConformanceChecks, type TTSConformanceHarness } from '../conformance/tts-conformance.js';
import { describeConformance, withHooks, type DescribeConformanceOptions } from './describe-conformance.js';

/** Declare the TTS conformance suite in vitest. */
export function describeTTSConformance(harness: TTSConformanceHarness, options: DescribeConformanceOptions = {}): void {
  describeConformance(`${harness.name ?? 'TTS'} conformance`, ttsConformanceChecks(harness), withHooks(harness, options));
}
