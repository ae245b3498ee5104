import { ProviderAuthError, ProviderError, type TranscriptWord } from '@patter/core';
import { transcript, type WebSocketSTTAdapter, type WebSocketSTTContext } from '@patter/core/plugin';
import { AdaptiveEndOfTurn } from './adaptive-end-of-turn.js';

export const FORCE_END_OF_UTTERANCE = '{"message":"ForceEndOfUtterance"}';
const PROVIDER = 'speechmatics';
const API_KEY_ENV = 'SPEECHMATICS_API_KEY';

interface SpeechmaticsResult {
  type?: string;
  start_time?: number;
  end_time?: number;
  alternatives?: { content?: string; confidence?: number; language?: string; speaker?: string }[];
}

interface SpeechmaticsMessage {
  message?: string;
  type?: string;
  reason?: string;
  forced?: boolean;
  metadata?: { transcript?: string; start_time?: number; end_time?: number };
  results?: SpeechmaticsResult[];
}

export interface SpeechmaticsAdapterConfig {
  readonly url: string;
  readonly apiKey: string;
  /** The `StartRecognition` message, sent on every (re)connect. */
  readonly startRecognition: Record<string, unknown>;
  /** Base wait of the client-side end of turn (ADAPTIVE / SMART_TURN), seconds; absent for FIXED and EXTERNAL. */
  readonly adaptiveDelay?: number;
  /** Sends a text frame on the open socket (the stream's `sendText`); false when not open. */
  readonly send: (text: string) => boolean;
  /** The stream's signal: stops the client-side end of turn. */
  readonly signal?: AbortSignal;
  /**
   * WebSocket ping cadence. Speechmatics ends a session after 3 min without audio and without
   * ping/pong, and recommends a ping every 20–60 s. Default 30 000.
   */
  readonly pingIntervalMs?: number;
}

/** `Error.type`s a new session may get past, after the wait (notes §1: quota_exceeded, job_error; unknown_error as internal). Any other type is fatal. */
const SLOW_RETRY_ERRORS = new Set(['quota_exceeded', 'job_error', 'unknown_error']);
const FATAL_CLOSES: Record<number, string> = { 1003: 'protocol_error', 1008: 'policy_violation', 4003: 'not_allowed', 4004: 'invalid_model', 4006: 'timelimit_exceeded' };
/** Speechmatics asks for a wait of at least 5–10 s before a new session after these (notes §1). */
const SLOW_RETRY_CLOSES: Record<number, string> = { 4005: 'quota_exceeded', 4013: 'job_error', 1011: 'internal_error' };
const SLOW_RETRY_SECONDS = 5;

/**
 * The Speechmatics real-time v2 protocol as a `WebSocketSTTAdapter`: `StartRecognition`, audio
 * only after `RecognitionStarted`, partials as interims, each `AddTranscript` as a final
 * (committed, so a reconnect re-sends only the audio after it), `EndOfUtterance` as the end of
 * the turn, `EndOfStream` → `EndOfTranscript` on close.
 */
export function speechmaticsAdapter(config: SpeechmaticsAdapterConfig): WebSocketSTTAdapter {
  const headers = { authorization: `Bearer ${config.apiKey}` };
  /** Text finalized in the current turn (for the adaptive wait). */
  let turnText = '';
  /** Origins of the `ForceEndOfUtterance`s not answered yet: true = the app's `finalize()`. */
  const forces: boolean[] = [];
  const adaptive =
    config.adaptiveDelay === undefined
      ? undefined
      : new AdaptiveEndOfTurn({
          baseDelay: config.adaptiveDelay,
          onEndOfTurn: () => {
            if (config.send(FORCE_END_OF_UTTERANCE)) forces.push(false);
          },
          ...(config.signal ? { signal: config.signal } : {}),
        });
  return {
    provider: PROVIDER,
    apiKeyEnv: API_KEY_ENV,
    awaitReady: true,
    request: () => ({ url: config.url, headers }),
    // Pings always (not only when idle): they are cheap, and keep a held call's session alive.
    keepAlive: { intervalMs: config.pingIntervalMs ?? 30_000 },
    openMessages() {
      turnText = '';
      forces.length = 0;
      return [JSON.stringify(config.startRecognition)];
    },
    finalizeMessage: FORCE_END_OF_UTTERANCE,
    onFinalize() {
      adaptive?.clear();
      forces.push(true);
    },
    close(io) {
      adaptive?.stop();
      io.send(JSON.stringify({ message: 'EndOfStream', last_seq_no: io.audioMessagesSent }));
    },
    classifyClose(code, reason) {
      if (code === 4001) return new ProviderAuthError(PROVIDER, 401, API_KEY_ENV, { body: { code, reason } });
      const fatal = FATAL_CLOSES[code];
      if (fatal) return new ProviderError(PROVIDER, `session closed: ${fatal}`, { retryable: false, body: { code, reason } });
      const slow = SLOW_RETRY_CLOSES[code];
      if (slow) return new ProviderError(PROVIDER, `session closed: ${slow}`, { retryable: true, retryAfter: SLOW_RETRY_SECONDS, body: { code, reason } });
      // Another vendor close code (4xxx): retry only those the notes name.
      if (code >= 4000) return new ProviderError(PROVIDER, `session closed (${code})`, { retryable: false, body: { code, reason } });
      return undefined;
    },
    onMessage(message, ctx) {
      const m = message as SpeechmaticsMessage;
      switch (m.message) {
        case 'RecognitionStarted':
          ctx.notify('ready');
          return true;
        case 'AudioAdded':
          return true;
        case 'AddPartialTranscript': {
          const text = (m.metadata?.transcript ?? '').trim();
          if (text === '') return true;
          ctx.emit(transcript({ text, confidence: 0, ...wordsOf(m) }));
          adaptive?.heard(`${turnText} ${text}`);
          return true;
        }
        case 'AddTranscript':
          onFinal(m, ctx);
          return true;
        case 'EndOfUtterance': {
          adaptive?.reset();
          const fromFinalize = m.forced === true && forces.shift() === true;
          ctx.emit(transcript({ text: '', eventType: 'UtteranceEnd', speechFinal: true, confidence: 0, fromFinalize }));
          turnText = '';
          if (m.forced) ctx.notify('flushed');
          return true;
        }
        case 'EndOfTranscript':
          ctx.notify('done');
          return true;
        case 'Info':
        case 'Warning':
          ctx.logger.debug({ type: m.type, message: m.message }, 'speechmatics notice');
          return true;
        case 'Error':
          ctx.error(vendorError(m));
          return true;
        default:
          return false;
      }
    },
  };

  function onFinal(m: SpeechmaticsMessage, ctx: WebSocketSTTContext): void {
    const text = (m.metadata?.transcript ?? '').trim();
    if (text !== '') {
      const words = wordsOf(m);
      const scores = (m.results ?? []).filter((r) => r.type === 'word').map((r) => r.alternatives?.[0]?.confidence ?? 1);
      ctx.emit(
        transcript({
          text,
          isFinal: true,
          fromFinalize: m.forced === true && forces[0] === true,
          confidence: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : 1,
          ...words,
          ...(words.words?.[0]?.speaker === undefined ? {} : { speaker: words.words[0].speaker }),
          ...(m.results?.[0]?.alternatives?.[0]?.language ? { language: m.results[0].alternatives[0].language } : {}),
        }),
      );
      turnText = `${turnText} ${text}`.trim();
      adaptive?.refine(turnText);
    }
    ctx.commit(m.metadata?.end_time);
  }
}

function wordsOf(m: SpeechmaticsMessage): { words?: readonly TranscriptWord[] } {
  const words: TranscriptWord[] = [];
  for (const r of m.results ?? []) {
    const alt = r.alternatives?.[0];
    if (r.type !== 'word' || !alt?.content) continue;
    words.push({
      word: alt.content,
      start: r.start_time ?? 0,
      end: r.end_time ?? 0,
      ...(alt.confidence === undefined ? {} : { confidence: alt.confidence }),
      ...(alt.speaker === undefined ? {} : { speaker: alt.speaker }),
    });
  }
  return words.length ? { words } : {};
}

function vendorError(m: SpeechmaticsMessage): ProviderError {
  const type = m.type ?? 'unknown_error';
  const body = { type, reason: m.reason };
  if (type === 'not_authorised') return new ProviderAuthError(PROVIDER, 401, API_KEY_ENV, { body });
  const slow = SLOW_RETRY_ERRORS.has(type);
  return new ProviderError(PROVIDER, `vendor error: ${type}`, {
    retryable: slow,
    body,
    ...(slow ? { retryAfter: SLOW_RETRY_SECONDS } : {}),
  });
}
