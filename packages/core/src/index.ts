// Contracts
export {
  type AudioEncoding,
  type AudioFormat,
  type AudioFrame,
  audioFormat,
  sameFormat,
  bytesPerSample,
  bytesForDuration,
  durationMs,
  describeFormat,
  MULAW_8K,
  ALAW_8K,
  PCM16_8K,
  PCM16_16K,
  PCM16_22K,
  PCM16_24K,
  PCM16_44K,
  PCM16_48K,
} from './audio/audio-format.js';
export { type Transcript, type TranscriptEventType, type TranscriptWord, transcript } from './stt/transcript.js';
export type { ParkedSTTConnection, STTProvider, STTStream, STTStreamOptions, STTUsage } from './stt/stt-provider.js';
export type { TTSProvider, TTSInputStream, TTSSynthesizeOptions, TTSUsage } from './tts/tts-provider.js';
export type { ChatMessage, ToolCallRequest } from './llm/chat-message.js';
export type { LLMProvider, LLMDelta, LLMChatOptions, LLMUsage, ToolSpec } from './llm/llm-provider.js';
export { streamLLMRequest, DEFAULT_LLM_IDLE_TIMEOUT_MS, type StreamLLMRequestOptions } from './llm/stream-llm-request.js';
export type { Engine, EngineSession, EngineEvent, EngineConnectOptions, EngineTurn, EngineUsage } from './engine/engine.js';
export type {
  CallTransport,
  CallTransportEvents,
  CallInfo,
  CallDirection,
  CallEndReason,
} from './carrier/call-transport.js';
export type { TextChannel } from './carrier/text-channel.js';
export type { WebhookChange, WebhookTarget } from './carrier/webhook-change.js';
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
export type { CallControl } from './call/call-control.js';
export type { AgentOptions, MessageContext, MessageHandler } from './agent/agent-options.js';
export { validateAgentOptions, type AgentMode } from './agent/validate-agent-options.js';
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
export { type Tool, type LocalTool, type WebhookTool, type ToolContext, type ToolParameters, defineTool } from './tools/tool.js';
export { ToolCallError } from './tools/tool-call-error.js';

// Registry
export {
  definePlugin,
  type Plugin,
  type ProviderKind,
  type ProviderKinds,
  type ProviderRegistration,
} from './registry/define-plugin.js';
export { Registry, registry, createSTT, createTTS, createLLM, createEngine, createCarrier } from './registry/registry.js';

// Errors
export { PatterError, type PatterErrorOptions } from './errors/patter-error.js';
export { ConfigError } from './errors/config-error.js';
export {
  ProviderError,
  ProviderStatusError,
  ProviderConnectionError,
  ProviderTimeoutError,
  ProviderAuthError,
  isRetryableStatus,
  type ProviderErrorOptions,
} from './errors/provider-error.js';
export { StreamIdleTimeoutError } from './errors/stream-idle-timeout-error.js';

// Plumbing
export { resolveApiKey } from './net/resolve-api-key.js';
export { normalizeBaseUrl, joinUrl, toWebSocketUrl, toHttpUrl, type QueryValue } from './net/join-url.js';
export { connectWebSocket, WebSocket, type ConnectWebSocketOptions } from './net/connect-web-socket.js';
export { httpRequest, header, type HttpRequestOptions, type HttpResponse } from './net/http-request.js';
export { FormData } from 'undici';
export { readLines, readNDJSON, readSSE, type SSEEvent } from './net/read-lines.js';
export { readJsonBody } from './net/read-json-body.js';
export { typedBody } from './net/typed-body.js';
export { audioFormData, type AudioFileOptions, type FormFieldValue } from './net/audio-form-data.js';
export { warmUpHttp, type WarmUpHttpOptions } from './net/warm-up-http.js';
export { KeepAlive } from './net/keep-alive.js';
export { closeAfterPeer, closeWebSocket } from './net/close-web-socket.js';
export { withIdleTimeout, type IdleTimeoutOptions } from './net/with-idle-timeout.js';
export { AsyncQueue } from './util/async-queue.js';
export { delay, abortReason, isAbortError, anySignal } from './util/abort.js';
export { retry, backoffDelay, parseRetryAfter, type RetryOptions } from './util/retry.js';
export { retryStream, type RetryStreamOptions } from './util/retry-stream.js';
export { TypedEmitter } from './util/typed-emitter.js';
export { rejectUnknownOptions } from './util/reject-unknown-options.js';
export { didYouMean } from './util/did-you-mean.js';
export {
  type Logger,
  type LogLevel,
  type ConsoleLoggerOptions,
  createConsoleLogger,
  silentLogger,
  withTraceIds,
} from './log/logger.js';
export { maskPhoneNumber, maskSecret } from './log/mask.js';
export { RateLimitedLog, RATE_LIMITED_LOG_DEFAULTS, type RateLimitedLogOptions } from './log/rate-limited-log.js';

// STT streams
export {
  createWebSocketSTTStream,
  type WebSocketSTTStream,
  type WebSocketSTTStreamOptions,
} from './stt/web-socket-stt-stream.js';
export type {
  WebSocketSTTAdapter,
  WebSocketSTTContext,
  WebSocketSTTCloseIO,
  WebSocketSTTReconnect,
  WebSocketSTTRequest,
  WebSocketSTTSignal,
} from './stt/web-socket-stt-adapter.js';
export { AudioReplayBuffer } from './stt/audio-replay-buffer.js';
export { warmUpWebSocket } from './stt/warm-up-web-socket.js';

// TTS
export { streamHttpTTS, DEFAULT_TTS_IDLE_TIMEOUT_MS, type StreamHttpTTSOptions, type HttpTTSDecoder } from './tts/stream-http-tts.js';
export { SampleAligner } from './tts/sample-aligner.js';
export { SocketAudioQueue, type PausableSocket } from './tts/socket-audio-queue.js';
export { wavHeaderLength, stripWavHeader, WavHeaderStripper } from './tts/wav-header.js';
export { TTSStreamError } from './tts/tts-stream-error.js';
export { resolveOutputFormat } from './tts/resolve-output-format.js';

// Audio (codecs, resampling, framing, negotiation)
export {
  HallucinationFilter,
  normalizeTranscriptText,
  SUSPECT_PHRASES,
  OUTRO_PHRASES,
  type HallucinationFilterOptions,
  type HallucinationReason,
  type HallucinationVerdict,
  type UtteranceEvidence,
} from './stt/hallucination-filter.js';
export { SpeechMeter } from './stt/speech-meter.js';
export { UtteranceBuffer, type UtteranceBufferOptions, type BufferedAudio } from './stt/utterance-buffer.js';
export {
  BufferedSTTStream,
  type BufferedSTTStreamOptions,
  type BufferedSTTTuning,
  type BufferedTranscriptionEvent,
  type BufferedUtterance,
  type TranscribeUtterance,
} from './stt/buffered-stt-stream.js';
export { encodeWav } from './audio/wav.js';
export { decodeMulaw, encodeMulaw, mulawToPcm16, pcm16ToMulaw } from './audio/mulaw.js';
export { decodeAlaw, encodeAlaw, alawToPcm16, pcm16ToAlaw } from './audio/alaw.js';
export { pcm16Samples, pcm16Bytes } from './audio/pcm16-view.js';
export { Resampler } from './audio/resampler.js';
export { FrameCoalescer, type FrameCoalescerOptions } from './audio/frame-coalescer.js';
export { applyGain, dbToGain } from './audio/pcm-gain.js';
export { pcm16Rms, pcm16Dbfs, isSilent } from './audio/pcm-level.js';
export { writeWav } from './audio/wav-writer.js';
export { readWav, type WavAudio } from './audio/wav-reader.js';
export {
  negotiateFormat,
  conversionChain,
  type ConversionStep,
  type FormatNegotiation,
} from './audio/negotiate-format.js';
export { createAudioConverter, type AudioConverter } from './audio/audio-converter.js';
export { extractJsonStringField } from './audio/extract-json-string-field.js';
export { quoteJsonString } from './audio/quote-json-string.js';

// Carrier runtime
export { OutboundPacer, silenceByte, type OutboundPacerOptions } from './carrier/outbound-pacer.js';
export { framesPerMessage } from './carrier/frames-per-message.js';
export { PlaybackTracker, type MarkEchoKind, type PlaybackTrackerOptions } from './carrier/playback-tracker.js';
export { DTMF_FREQUENCIES, dtmfPcm, dtmfAudio, isDtmfDigits, type DtmfToneOptions } from './carrier/dtmf-tones.js';
export { TransferAllowlist } from './carrier/transfer-allowlist.js';
export {
  type MediaStreamCodec,
  type MediaStreamMessage,
  type CarrierCallCommands,
  isBase64,
  stringField,
  objectField,
  stringRecord,
} from './carrier/media-stream-codec.js';
export { StreamCallTransport, type StreamCallTransportOptions } from './carrier/stream-call-transport.js';

// Tools runtime
export { ToolRunner, type ToolRunnerOptions, type ToolCallOutcome } from './tools/tool-runner.js';
export {
  createArgumentsValidator,
  toolJsonSchema,
  type ArgumentsCheck,
  type ArgumentsValidator,
} from './tools/validate-arguments.js';
export {
  callWebhookTool,
  signWebhookBody,
  WEBHOOK_SIGNATURE_HEADER,
  type WebhookToolRequest,
} from './tools/webhook-tool.js';
export { BUILTIN_TOOLS, TRANSFER_CALL, END_CALL, transferCallTool, endCallTool } from './tools/builtin-tools.js';

// Call session (pipeline and engine bridge)
export { createCallSession } from './session/create-call-session.js';
export { describeCallFailure, type CallFailure } from './session/call-failure.js';
export { createTextSession, type TextSession, type TextSessionOptions } from './session/text/text-session.js';
export type { SessionContext } from './session/session-context.js';
export type { SessionMode, SessionModeFactory } from './session/session-mode.js';
export { SentenceChunker, type SentenceChunkerOptions } from './session/reply/sentence-chunker.js';
export { substituteVariables } from './session/substitute-variables.js';
export { ConversationHistory } from './session/conversation/conversation-history.js';
export type { Conversation } from './session/conversation/conversation.js';
export { applyGuardrails, type OutputGuardrail, type GuardrailContext } from './session/reply/output-guardrail.js';
export { estimateCost, withDefaultPricing } from './session/usage/pricing.js';
export type { PricingTable, ProviderPrice } from './registry/provider-price.js';
export { TransferRefusedError } from './session/transfer-refused-error.js';
export { resolveHoldAudio, HOLD_AUDIO_DEFAULTS, type HoldAudioOptions, type ResolvedHoldAudio } from './session/speech/hold-audio-options.js';
export { comfortTone, COMFORT_TONE_PERIOD_MS } from './audio/comfort-tone.js';
export { synthesizeClip, type SynthesizeClipOptions } from './tts/synthesize-clip.js';
export { prepareCall, type PrepareCallOptions, type PreparedCall, type PreparedSpeech } from './session/prepared-call.js';
export { createHttpMessageHandler, type RemoteMessageRequest } from './session/reply/http-message-handler.js';
export { createWebSocketMessageHandler, type WebSocketMessageHandler } from './session/reply/ws-message-handler.js';
export type { ReplySource, ReplyEvent, ReplyHooks, UserTurn } from './session/reply/reply-source.js';

// Fallback providers
export { FallbackSTT } from './fallback/fallback-stt.js';
export { FallbackTTS } from './fallback/fallback-tts.js';
export { FallbackLLM, CONTINUE_INSTRUCTION } from './fallback/fallback-llm.js';
export type { FallbackOptions } from './fallback/fallback-options.js';
export { shouldFailOver } from './fallback/should-fail-over.js';

// Voice activity detection
export type { VoiceActivity, VoiceActivityDetector, VoiceActivityDetectorOptions } from './session/turns/voice-activity-detector.js';
export type { VADProvider } from './vad/vad-provider.js';
export { EnergyVAD } from './vad/energy-vad.js';
export { EnergyVoiceActivityDetector, type EnergyVADOptions } from './vad/energy-voice-activity-detector.js';
export { frameRms } from './audio/frame-rms.js';
export { createVAD } from './registry/registry.js';

// Telemetry (OpenTelemetry, optional peer dependency)
export { METRIC_DEFINITIONS, type MetricDefinition } from './telemetry/patter-metrics.js';
export { observeCall, type ObservableSession, type ObserveCallOptions } from './telemetry/observe-call.js';
export { traceparentFor, traceFieldsFor, withTraceparent } from './telemetry/call-trace-context.js';
export { providerSignals, reportProvider, type ProviderSignal } from './telemetry/provider-signals.js';
