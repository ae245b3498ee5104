export { Patter, type PatterOptions } from './patter.js';
export type { TestModeOptions } from './test-mode/run-test-mode.js';
export { createAgent, isAgent, type Agent } from './agent.js';
export { resolveServeOptions, SERVE_DEFAULTS, type ServeOptions, type RecordingEvent } from './serve-options.js';
export type { ServerHandle } from './serve.js';
export type { CallOptions, OutboundCall } from './outbound-calls.js';
export type { CallSessionFactory } from './server-context.js';
export { StreamToken, type StreamTokenCheck, type StreamTokenFailure } from './stream-token.js';
export { BodyTooLargeError } from './body-reader.js';
