/**
 * `@patter/core`: what an application uses — agent options, tools, the call and its events, the
 * provider contracts an agent is given, the registry functions, the errors to catch, loggers,
 * fallback providers and the telemetry contract. What plugins, carriers and custom runtimes build
 * on (WebSocket/HTTP stream machinery, retry, codecs, the media-stream transport, the session
 * runners) is in `@patter/core/plugin`.
 */

// Audio formats
export {
  type AudioEncoding,
  type AudioFormat,
  type AudioFrame,
  audioFormat,
  MULAW_8K,
  ALAW_8K,
  PCM16_8K,
  PCM16_16K,
  PCM16_22K,
  PCM16_24K,
  PCM16_44K,
  PCM16_48K,
} from './audio/audio-format.js';

// Provider contracts (what an agent is given: stt, tts, llm, engine, carrier, vad)
export type { Transcript, TranscriptEventType, TranscriptWord } from './stt/transcript.js';
export type { ParkedSTTConnection, STTProvider, STTStream, STTStreamOptions, STTUsage } from './stt/stt-provider.js';
export type { TTSProvider, TTSInputStream, TTSSynthesizeOptions, TTSUsage } from './tts/tts-provider.js';
export type { ChatMessage, ToolCallRequest } from './llm/chat-message.js';
export type { LLMProvider, LLMDelta, LLMChatOptions, LLMUsage, ToolSpec } from './llm/llm-provider.js';
export type { Engine, EngineSession, EngineEvent, EngineConnectOptions, EngineTurn, EngineUsage } from './engine/engine.js';
export type { CallTransport, CallTransportEvents, CallInfo, CallDirection, CallEndReason } from './carrier/call-transport.js';
export type {
  Carrier,
  CarrierHost,
  CarrierRoute,
  CarrierHttpRequest,
  CarrierHttpResponse,
  CarrierCallEvent,
  MachineDetectionResult,
  StreamContext,
  OutboundCallRequest,
  CarrierCallQuery,
  CarrierCallRecord,
} from './carrier/carrier.js';
export type { WebhookChange, WebhookTarget } from './carrier/webhook-change.js';
export type { TextChannel } from './carrier/text-channel.js';
export type { VADProvider } from './vad/vad-provider.js';
export type {
  VoiceActivity,
  VoiceActivityDetector,
  VoiceActivityDetectorOptions,
} from './session/turns/voice-activity-detector.js';

// Agent, tools and the call
export type { AgentOptions, MessageContext, MessageHandler } from './agent/agent-options.js';
export type { CallControl } from './call/call-control.js';
export type {
  CallSession,
  CallSessionOptions,
  CallSessionEvents,
  CallOverrides,
  CallEndSummary,
  TurnMetrics,
  ProviderRequestTiming,
  TranscriptEntry,
} from './session/call-session.js';
export type { CallFailure } from './session/call-failure.js';
export type { PreparedCall, PreparedSpeech } from './session/prepared-call.js';
export { type Tool, type LocalTool, type WebhookTool, type ToolContext, type ToolParameters, defineTool } from './tools/tool.js';
export { WEBHOOK_SIGNATURE_HEADER } from './tools/webhook-tool.js';
export type { HallucinationFilterOptions } from './stt/hallucination-filter.js';
export type { OutputGuardrail, GuardrailContext } from './session/reply/output-guardrail.js';
export type { PricingTable, ProviderPrice } from './registry/provider-price.js';
export type { HoldAudioOptions } from './session/speech/hold-audio-options.js';

// Registry
export type { Plugin, ProviderKind, ProviderKinds, ProviderRegistration } from './registry/define-plugin.js';
export { Registry, registry, createSTT, createTTS, createLLM, createEngine, createCarrier, createVAD } from './registry/registry.js';

// Errors
export { PatterError, type PatterErrorOptions } from './errors/patter-error.js';
export { ConfigError } from './errors/config-error.js';
export {
  ProviderError,
  ProviderStatusError,
  ProviderConnectionError,
  ProviderTimeoutError,
  ProviderAuthError,
  type ProviderErrorOptions,
} from './errors/provider-error.js';
export { StreamIdleTimeoutError } from './errors/stream-idle-timeout-error.js';
export { ToolCallError } from './tools/tool-call-error.js';
export { TransferRefusedError } from './session/transfer-refused-error.js';

// Logging
export {
  type Logger,
  type LogLevel,
  type ConsoleLoggerOptions,
  createConsoleLogger,
  silentLogger,
  withTraceIds,
} from './log/logger.js';

// Fallback providers
export { FallbackSTT } from './fallback/fallback-stt.js';
export { FallbackTTS } from './fallback/fallback-tts.js';
export { FallbackLLM } from './fallback/fallback-llm.js';
export type { FallbackOptions } from './fallback/fallback-options.js';

// Voice activity detection (the default detector)
export { EnergyVAD } from './vad/energy-vad.js';
export type { EnergyVADOptions } from './vad/energy-voice-activity-detector.js';

// Telemetry (OpenTelemetry, optional peer dependency)
export { METRIC_DEFINITIONS, type MetricDefinition } from './telemetry/patter-metrics.js';
