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
export { FakeHttpServer, type FakeHttpHandler, type FakeHttpRoutes } from './fakes/fake-http-server.js';
export { FakeHttpRequest } from './fakes/fake-http-request.js';
export { FakeHttpResponse, type FakeHttpChunk, type FakeHttpStreamOptions } from './fakes/fake-http-response.js';
export { parseMultipart, type MultipartPart } from './fakes/parse-multipart.js';
export { WaitableLog, DEFAULT_WAIT_MS } from './fakes/waitable-log.js';
export { TestKitError } from './test-kit-error.js';
export {
  startFakeRealtime,
  realtimeState,
  configuredState,
  appendedAudio,
  beginResponse,
  sendAudioDelta,
  audioDelta,
  sendInOneRead,
  endResponse,
  sessionUpdate,
  type FakeRealtimeState,
} from './fakes/start-fake-realtime.js';
export {
  startFakeConvAI,
  convaiConversation,
  sendConvAIAudio,
  type ConvAIAudioFormat,
  type FakeConvAI,
  type FakeConvAIConversation,
  type FakeConvAIOptions,
} from './fakes/start-fake-convai.js';

// Audio fixtures
export { loadFixture, type AudioFixture } from './audio/load-fixture.js';
export { fixturePath, fixturesDirectory } from './audio/fixture-path.js';
export { FIXTURE_TEXTS, FIXTURE_NAMES, type FixtureName, type FixtureVariant } from './audio/fixture-texts.js';
export { parseWav, type ParsedWav } from './audio/parse-wav.js';
export { pcmToBytes, bytesToPcm, concatBytes, splitFrames, mulawToPcm } from './audio/pcm-bytes.js';
export { sineWave, silence, type SineWaveOptions } from './audio/tones.js';

// Conformance checks (framework-free; their vitest `describe*` wrappers are in `@patter/testing/vitest`)
export { runConformanceChecks, type ConformanceCheck, type ConformanceResult, type ConformanceHooks } from './conformance/conformance-check.js';
export {
  assert,
  assertEqual,
  assertBytesEqual,
  containsBytes,
  distinctAudio,
  fail,
  framesOf,
  normalizeText,
  settledWithinTurn,
  tick,
  waitUntil,
  withTimeout,
} from './conformance/check-helpers.js';
export { conformanceSpeech, type ConformanceSpeech } from './conformance/conformance-audio.js';
export { runSTTCallEnd, type STTCallEndOptions } from './conformance/run-stt-call-end.js';
export { until } from './kit/until.js';
export { collectAll } from './kit/collect-all.js';
export { captureLogger, type CapturedLine } from './kit/capture-logger.js';
export { sourceModuleGraph, type SourceModuleGraph } from './kit/source-module-graph.js';
export { irregularChunks, IRREGULAR_SIZES } from './kit/irregular-chunks.js';
export { textAudio } from './kit/text-audio.js';
export { exchangeClosedByClient, type FakeExchange } from './kit/exchange-closed-by-client.js';
export {
  httpTTSBehaviourChecks,
  type HttpTTSBehaviourHarness,
  type HttpTTSFake,
} from './conformance/http-tts-behaviour.js';
export {
  httpSTTBehaviourChecks,
  type HttpSTTBehaviourHarness,
  type HttpSTTCreateOptions,
  type HttpSTTFake,
} from './conformance/http-stt-behaviour.js';
export { unknownOptionCheck } from './conformance/unknown-option-check.js';
export {
  webSocketSTTBehaviourChecks,
  type WebSocketSTTBehaviourHarness,
  type WebSocketSTTCreateOptions,
  type WebSocketSTTFake,
} from './conformance/web-socket-stt-behaviour.js';
export {
  sttConformanceChecks,
  type STTConformanceHarness,
  type STTConformanceConnection,
} from './conformance/stt-conformance.js';
export {
  ttsConformanceChecks,
  DEFAULT_TTS_TEXTS,
  type TTSConformanceHarness,
} from './conformance/tts-conformance.js';
export {
  llmConformanceChecks,
  CONFORMANCE_MESSAGES,
  CONFORMANCE_TOOLS,
  type LLMConformanceHarness,
  type LLMScriptedReply,
} from './conformance/llm-conformance.js';
export {
  engineConformanceChecks,
  type EngineConformanceHarness,
  type EngineConformanceConnection,
} from './conformance/engine-conformance.js';
export {
  carrierConformanceChecks,
  type CarrierConformanceHarness,
  type CarrierConformanceCall,
} from './conformance/carrier-conformance.js';

// Simulators
export { MediaStreamPeer, type ReceivedMedia, type ReceivedMark, type SendAudioOptions } from './simulators/media-stream-peer.js';
export {
  TwilioSimulator,
  TwilioSimulatedCall,
  parseStreamTwiml,
  signTwilioRequest,
  type TwilioSimulatorOptions,
  type StreamTwiml,
  type WebhookResult,
} from './simulators/twilio-simulator.js';
export { CarrierHarness, type HarnessCall, type CarrierHarnessOptions } from './simulators/carrier-harness.js';
export { FakeRestServer, type RecordedRequest, type RestAnswer, type RestHandler } from './simulators/fake-rest-server.js';
export { FakeTwilioApi, type FakeTwilioCall, type FakeTwilioUpdate } from './simulators/fake-twilio-api.js';
export { FakeTwilioIncomingNumbers, type FakeTwilioIncomingNumber, type FakeTwilioNumberUpdate } from './simulators/fake-twilio-incoming-numbers.js';
export {
  TelnyxSimulator,
  TelnyxSimulatedCall,
  rawPublicKeyBase64,
  signTelnyxWebhook,
  type TelnyxSimulatorOptions,
  type TelnyxWebhookOptions,
} from './simulators/telnyx-simulator.js';
export { FakeTelnyxApi, type FakeTelnyxCommand, type FakeTelnyxDial } from './simulators/fake-telnyx-api.js';
export { FakeTelnyxNumbers, type FakeTelnyxPhoneNumber, type FakeTelnyxApplication, type FakeTelnyxPatch } from './simulators/fake-telnyx-numbers.js';
