import { webSocketSTTBehaviourChecks, type WebSocketSTTBehaviourHarness } from '../conformance/web-socket-stt-behaviour.js';
import { describeConformance, type DescribeConformanceOptions } from './describe-conformance.js';

/** Declares the WebSocket-STT behaviour checks as vitest tests: one call in a plugin's test file. */
export function describeWebSocketSTTBehaviour(harness: WebSocketSTTBehaviourHarness, options: DescribeConformanceOptions = {}): void {
  describeConformance(`${harness.name} WebSocket behaviour`, webSocketSTTBehaviourChecks(harness), options);
}
