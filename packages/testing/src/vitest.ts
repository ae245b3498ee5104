// `@patter/testing/vitest`: the conformance checks declared as vitest suites, one call in a
// plugin's test file. Kept apart from the main entry so that fakes and simulators load without vitest.
export { describeConformance, withHooks, type DescribeConformanceOptions } from './vitest/describe-conformance.js';
export { describeSTTConformance } from './vitest/describe-stt-conformance.js';
export { describeTTSConformance } from './vitest/describe-tts-conformance.js';
export { describeLLMConformance } from './vitest/describe-llm-conformance.js';
export { describeEngineConformance } from './vitest/describe-engine-conformance.js';
export { describeCarrierConformance } from './vitest/describe-carrier-conformance.js';
export { describeHttpTTSBehaviour } from './vitest/describe-http-tts-behaviour.js';
export { describeWebSocketSTTBehaviour } from './vitest/describe-web-socket-stt-behaviour.js';
export { describeHttpSTTBehaviour } from './vitest/describe-http-stt-behaviour.js';
