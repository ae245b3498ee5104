/**
 * `@patter/core/plugin`: everything `@patter/core` exports, plus what provider plugins, carriers
 * and custom runtimes build on — the WebSocket and HTTP machinery behind STT, TTS and LLM
 * streams, retry and backoff, codecs and format negotiation, the media-stream transport carriers
 * share, the call session runners the server drives. Applications need only `@patter/core`. Both
 * entries share one copy of core (one registry, one class per error), in ESM and in CommonJS.
 */

// The application entry, whole: a plugin's contracts and the machinery come from one import.
export * from './index.js';

// Helpers on the contracts
export { sameFormat, bytesPerSample, bytesForDuration, durationMs, describeFormat } from './audio/audio-format.js';
export { transcript } from './stt/transcript.js';
export { streamLLMRequest, DEFAULT_LLM_IDLE_TIMEOUT_MS, type StreamLLMRequestOptions } from './llm/stream-llm-request.js';
export { validateAgentOptions, type AgentMode } from './agent/validate-agent-options.js';

// Registering providers
export { definePlugin } from './registry/define-plugin.js';

// Plumbing
export { resolveApiKey } from './net/resolve-api-key.js';
export { normalizeBaseUrl, joinUrl, toWebSocketUrl, type QueryValue } from './net/join-url.js';
export { connectWebSocket, WebSocket, type ConnectWebSocketOptions } from './net/connect-web-socket.js';
export { httpRequest, header, type HttpRequestOptions, type HttpResponse } from './net/http-request.js';
export { readLines, readNDJSON, readSSE, type SSEEvent } from './net/read-lines.js';
export { readJsonBody } from './net/read-json-body.js';
export { typedBody } from './net/typed-body.js';
export { audioFormData, type AudioFileOptions, type FormFieldValue } from './net/audio-form-data.js';
export { warmUpHttp, type WarmUpHttpOptions } from './net/warm-up-http.js';
export { KeepAlive } from './net/keep-alive.js';
export { closeAfterPeer, closeWebSocket } from './net/close-web-socket.js';
export { withIdleTimeout, type IdleTimeoutOptions } from './net/with-idle-timeout.js';
export { AsyncQueue } from './util/async-queue.js';
export { delay, isAbortError } from './util/abort.js';
export { retry, parseRetryAfter, type RetryOptions } from './util/retry.js';
export { retryStream, type RetryStreamOptions } from './util/retry-stream.js';
export { TypedEmitter } from './util/typed-emitter.js';
export { rejectUnknownOptions } from './util/reject-unknown-options.js';
export { maskPhoneNumber } from './log/mask.js';
export { RateLimitedLog, type RateLimitedLogOptions } from './log/rate-limited-log.js';

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
export type { AudioPace } from './stt/audio-pacer.js';
export { TailFlush } from './audio/tail-flush.js';
export type { UtteranceBufferOptions } from './stt/utterance-buffer.js';
export { warmUpWebSocket } from './stt/warm-up-web-socket.js';
export {
  BufferedSTTStream,
  type BufferedSTTStreamOptions,
  type BufferedSTTTuning,
  type BufferedTranscriptionEvent,
  type BufferedUtterance,
  type TranscribeUtterance,
} from './stt/buffered-stt-stream.js';

// TTS
export {
  streamHttpTTS,
  DEFAULT_TTS_IDLE_TIMEOUT_MS,
  type StreamHttpTTSOptions,
  type HttpTTSDecoder,
} from './tts/stream-http-tts.js';
export { SampleAligner } from './tts/sample-aligner.js';
export { SocketAudioQueue, type PausableSocket } from './tts/socket-audio-queue.js';
export { TTSStreamError } from './tts/tts-stream-error.js';
export { resolveOutputFormat } from './tts/resolve-output-format.js';

// Audio (codecs, resampling, framing, negotiation)
export { encodeWav } from './audio/wav.js';
export { decodeMulaw, encodeMulaw, mulawToPcm16, pcm16ToMulaw } from './audio/mulaw.js';
export { decodeAlaw, encodeAlaw, alawToPcm16, pcm16ToAlaw } from './audio/alaw.js';
export { pcm16Samples, pcm16Bytes } from './audio/pcm16-view.js';
export { Resampler } from './audio/resampler.js';
export { negotiateFormat, conversionChain, type ConversionStep, type FormatNegotiation } from './audio/negotiate-format.js';
export { createAudioConverter, type AudioConverter } from './audio/audio-converter.js';
export { extractJsonStringField } from './audio/extract-json-string-field.js';
export { quoteJsonString } from './audio/quote-json-string.js';

// Carrier runtime
export { OutboundPacer, type OutboundPacerOptions } from './carrier/outbound-pacer.js';
export { framesPerMessage } from './carrier/frames-per-message.js';
export type { DtmfToneOptions } from './carrier/dtmf-tones.js';
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
export {
  createArgumentsValidator,
  toolJsonSchema,
  type ArgumentsCheck,
  type ArgumentsValidator,
} from './tools/validate-arguments.js';

// Call session (pipeline and engine bridge)
export { createCallSession } from './session/create-call-session.js';
export { createTextSession, type TextSession, type TextSessionOptions } from './session/text/text-session.js';
export type { UserTurn } from './session/reply/reply-source.js';
export { prepareCall, type PrepareCallOptions } from './session/prepared-call.js';

// Fallback LLM (the instruction its next member gets)
export { CONTINUE_INSTRUCTION } from './fallback/fallback-llm.js';

// Voice activity detection
export { EnergyVoiceActivityDetector } from './vad/energy-voice-activity-detector.js';
export { frameRms } from './audio/frame-rms.js';

// Telemetry (OpenTelemetry, optional peer dependency)
export { observeCall, type ObservableSession, type ObserveCallOptions } from './telemetry/observe-call.js';
