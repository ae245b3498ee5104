// Fake servers
export {
  FakeWebSocketServer,
  type FakeWebSocketServerOptions,
  type FakeUpgradeDecision,
  type FakeUpgradeRejection,
  type FakeUpgradeAcceptance,
  type FakeUpgradeRecord,
} from './fakes/fake-web-socket-server.js';
export {
  FakeWebSocketConnection,
  type FakeWebSocketMessage,
  type FakeWebSocketClose,
  type FakeUpgradeRequest,
} from './fakes/fake-web-socket-connection.js';
export { WaitableLog, DEFAULT_WAIT_MS } from './fakes/waitable-log.js';
export { TestKitError } from './test-kit-error.js';

// Simulators
