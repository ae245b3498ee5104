import { ProviderAuthError, ProviderError, type TranscriptWord } from '@patter/core';
import { transcript, type WebSocketSTTAdapter, type WebSocketSTTContext } from '@patter/core/plugin';

export const FORCE_ENDPOINT = '{"type":"ForceEndpoint"}';
export const TERMINATE = '{"type":"Terminate"}';

interface AssemblyAIWord {
  text?: string;
  start?: number;
  end?: number;
  confidence?: number;
  word_is_final?: boolean;
}

interface AssemblyAIMessage {
  type?: string;
  id?: string;
  turn_order?: number;
  transcript?: string;
  words?: AssemblyAIWord[];
  end_of_turn?: boolean;
  turn_is_formatted?: boolean;
  language_code?: string;
  speaker_label?: string;
  error_code?: number;
  error?: string;
}

export interface AssemblyAIAdapterConfig {
  /** Called per connection: the query may change after `updateConfiguration`. */
  readonly url: () => string;
  readonly apiKey: string;
  /**
   * `format_turns=true` was asked. The final is still the first end-of-turn message (notes §7); the
   * formatted copy that may follow with the same `turn_order` is dropped (a Transcript is never replaced).
   */
  readonly formatTurns: () => boolean;
}

/** Close codes after which AssemblyAI is reconnected once (3005 server error, 3008 session expired). */
const RECONNECT_CODES = new Set([3005, 3008]);
/** Seconds before a new session after 3007 "Audio Transmission Rate Exceeded". */
const RATE_RETRY_S = 1;
/** Seconds before a new session after "Too many concurrent sessions" (1008/3009). */
const TOO_MANY_RETRY_S = 5;

/** AssemblyAI Universal Streaming v3 as a `WebSocketSTTAdapter`. */
export function assemblyAIAdapter(config: AssemblyAIAdapterConfig): WebSocketSTTAdapter {
  let sessionId: string | undefined;
  let forced = false;
  /** `turn_order` of the last final on this session (its formatted copy is dropped). */
  let finalTurn: number | undefined;
  return {
    provider: 'assemblyai',
    apiKeyEnv: 'ASSEMBLYAI_API_KEY',
    request: () => ({ url: config.url(), headers: { authorization: config.apiKey } }),
    // 20 ms carrier frames would trigger 3007 (each message must hold 50–1000 ms).
    minChunkMs: 50,
    // Faster than real time → 3007 "Audio Transmission Rate Exceeded": a replayed backlog is paced.
    paceAudio: { burstMs: 500, rate: 1 },
    finalizeMessage: FORCE_ENDPOINT,
    onFinalize: () => {
      forced = true;
    },
    close: (io) => io.send(TERMINATE),
    // A session never terminated keeps billing until its 3 h limit (a warm-up's too).
    endMessage: TERMINATE,
    reconnect: { maxAttempts: 1 },
    // Turns come only with words: AssemblyAI may rightly say nothing through a long silence.
    inactivityTimeoutMs: 0,
    classifyClose: (code, reason) => closeError(code, reason),
    onMessage(message, ctx) {
      const m = message as AssemblyAIMessage;
      switch (m.type) {
        case 'Begin':
          sessionId = m.id;
          finalTurn = undefined;
          ctx.logger.debug({ sessionId }, 'assemblyai session began');
          return true;
        case 'SpeechStarted':
          ctx.emit(transcript({ text: '', eventType: 'SpeechStarted', confidence: 0, ...withId(sessionId) }));
          return true;
        case 'Turn':
          onTurn(m, ctx);
          return true;
        case 'Termination':
          ctx.notify('done');
          return true;
        case 'Error':
          ctx.error(closeError(m.error_code ?? 0, m.error ?? ''));
          return true;
        default:
          if (typeof m.error === 'string') {
            ctx.error(closeError(m.error_code ?? 0, m.error));
            return true;
          }
          return false;
      }
    },
  };

  function onTurn(m: AssemblyAIMessage, ctx: WebSocketSTTContext): void {
    const words = m.words ?? [];
    const end = m.end_of_turn === true;
    if (end && m.turn_order !== undefined && m.turn_order === finalTurn) {
      ctx.logger.debug({ turnOrder: m.turn_order }, 'assemblyai formatted copy of a final turn dropped');
      return;
    }
    // Final on the first end_of_turn (notes §7), formatted or not: no wait for a formatted copy.
    const final = end;
    // Finalized words are in `transcript`; the newest (non-final) word only in `words`.
    const text = end ? (m.transcript ?? '') : words.map((w) => w.text ?? '').join(' ');
    if (text === '' && !end) return;
    const fromFinalize = final && forced;
    if (final) {
      forced = false;
      finalTurn = m.turn_order;
    }
    ctx.emit(
      transcript({
        text,
        isFinal: final,
        speechFinal: final,
        fromFinalize,
        confidence: meanConfidence(words),
        eventType: 'Results',
        words: words.map(toWord),
        ...withId(sessionId),
        ...(m.language_code ? { language: m.language_code } : {}),
        ...(m.speaker_label ? { speaker: m.speaker_label } : {}),
      }),
    );
    if (final) {
      const last = words[words.length - 1];
      ctx.commit(last?.end === undefined ? undefined : last.end / 1000);
      if (fromFinalize) ctx.notify('flushed');
    }
  }
}

/** What an AssemblyAI close code (or `Error` message code) means. */
export function closeError(code: number, reason: string): ProviderError {
  const body = { code, reason };
  if (code === 1008 && /unauthori[sz]ed/i.test(reason) && !/too many/i.test(reason)) {
    return new ProviderAuthError('assemblyai', 401, 'ASSEMBLYAI_API_KEY', { body });
  }
  if (code === 3009 || (code === 1008 && /too many/i.test(reason))) {
    // The limit is on new sessions per minute (it scales up): a new session after a wait may pass.
    return new ProviderError('assemblyai', `session closed (${code})`, { retryable: true, retryAfter: TOO_MANY_RETRY_S, body });
  }
  if (code === 3007 && /rate exceeded/i.test(reason)) {
    // Sent faster than real time: a new session after a short wait takes the (paced) audio.
    return new ProviderError('assemblyai', `session closed (${code})`, { retryable: true, retryAfter: RATE_RETRY_S, body });
  }
  if (RECONNECT_CODES.has(code) || code === 1006 || code === 1011 || code === 1000 || code === 1001) {
    return new ProviderError('assemblyai', `session closed (${code})`, { retryable: true, body });
  }
  // 3006 invalid message, 3007 chunk duration, other 1008s: retrying cannot help.
  return new ProviderError('assemblyai', `session closed (${code})`, { retryable: false, body });
}

function meanConfidence(words: readonly AssemblyAIWord[]): number {
  if (words.length === 0) return 0;
  let sum = 0;
  for (const w of words) sum += w.confidence ?? 0;
  return sum / words.length;
}

function toWord(w: AssemblyAIWord): TranscriptWord {
  return {
    word: w.text ?? '',
    start: (w.start ?? 0) / 1000,
    end: (w.end ?? 0) / 1000,
    ...(w.confidence === undefined ? {} : { confidence: w.confidence }),
  };
}

function withId(id: string | undefined): { requestId?: string } {
  return id === undefined ? {} : { requestId: id };
}
