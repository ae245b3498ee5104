import { ProviderAuthError, ProviderError, ProviderStatusError } from '@patter/core';
import { transcript, type WebSocketSTTAdapter, type WebSocketSTTContext } from '@patter/core/plugin';

export const FINALIZE = '{"type":"finalize"}';
export const KEEP_ALIVE = '{"type":"keepalive"}';

interface SonioxToken {
  text?: string;
  start_ms?: number;
  end_ms?: number;
  confidence?: number;
  is_final?: boolean;
  language?: string;
  speaker?: string | number;
}

interface SonioxMessage {
  tokens?: SonioxToken[];
  final_audio_proc_ms?: number;
  total_audio_proc_ms?: number;
  finished?: boolean;
  error_code?: number;
  error_message?: string;
}

export interface SonioxAdapterConfig {
  readonly url: string;
  readonly apiKey: string;
  /** The session config (first message), without the key. */
  readonly config: Record<string, unknown>;
  /** Also send `api_key` in the config (deprecated by Soniox, refused after 2027-01-15). */
  readonly keyInConfig: boolean;
  readonly keepAliveIntervalMs: number;
}

/**
 * Soniox real-time as a `WebSocketSTTAdapter`. Final tokens accumulate into the turn's text;
 * `<end>` (endpoint) or `<fin>` (answer to `finalize`) emits it as one final transcript.
 */
export function sonioxAdapter(config: SonioxAdapterConfig): WebSocketSTTAdapter {
  const first = JSON.stringify(config.keyInConfig ? { api_key: config.apiKey, ...config.config } : config.config);
  // The turn so far: final text survives a reconnect (its audio is committed and not re-sent).
  let finalText = '';
  let confidenceSum = 0;
  let finalCount = 0;
  let language: string | undefined;
  let speaker: string | number | undefined;
  let speaking = false;
  // After a reconnect the new session's first token has no leading space.
  let joinAfterReconnect = false;
  let connections = 0;

  const reset = () => {
    finalText = '';
    confidenceSum = 0;
    finalCount = 0;
    language = undefined;
    speaker = undefined;
    speaking = false;
  };

  const flush = (ctx: WebSocketSTTContext, fromFinalize: boolean) => {
    const text = finalText.trim();
    if (text !== '' || fromFinalize) {
      ctx.emit(
        transcript({
          text,
          isFinal: true,
          speechFinal: true,
          fromFinalize,
          confidence: finalCount > 0 ? confidenceSum / finalCount : 0,
          ...(language ? { language } : {}),
          ...(speaker !== undefined ? { speaker } : {}),
        }),
      );
    }
    reset();
  };

  return {
    provider: 'soniox',
    apiKeyEnv: 'SONIOX_API_KEY',
    request: () => ({ url: config.url, headers: { authorization: `Bearer ${config.apiKey}` } }),
    openMessages: () => {
      if (connections++ > 0) joinAfterReconnect = finalText !== '';
      return [first];
    },
    finalizeMessage: FINALIZE,
    // Audio at (near) real-time pace: long bursts may disconnect, so a replayed backlog is paced.
    paceAudio: { burstMs: 1000, rate: 1 },
    keepAlive: { intervalMs: config.keepAliveIntervalMs, message: KEEP_ALIVE, onlyWhenIdle: true },
    // An empty frame ends the audio: Soniox finalizes, answers `finished: true`, then closes.
    close: (io) => io.send(new Uint8Array(0)),
    onMessage(message, ctx) {
      const m = message as SonioxMessage;
      if (typeof m.error_code === 'number') {
        ctx.error(sonioxError(m.error_code, m.error_message ?? ''));
        return true;
      }
      if (!Array.isArray(m.tokens)) return false;
      let tail = '';
      let tailConfidence = 0;
      let tailCount = 0;
      let tailLanguage: string | undefined;
      let changed = false;
      for (const token of m.tokens) {
        const text = token.text ?? '';
        if (text === '<end>' || text === '<fin>') {
          flush(ctx, text === '<fin>');
          if (text === '<fin>') ctx.notify('flushed');
          continue;
        }
        if (text !== '') changed = true;
        if (text !== '' && !speaking) {
          speaking = true;
          ctx.emit(transcript({ text: '', eventType: 'SpeechStarted', confidence: 0 }));
        }
        if (joinAfterReconnect && text !== '') {
          joinAfterReconnect = false;
          if (!/^\s/.test(text) && !/\s$/.test(finalText)) finalText += ' ';
        }
        if (token.is_final) {
          finalText += text;
          confidenceSum += token.confidence ?? 0;
          finalCount++;
          language ??= token.language;
          speaker ??= token.speaker;
        } else {
          tail += text;
          tailConfidence += token.confidence ?? 0;
          tailCount++;
          tailLanguage ??= token.language;
        }
      }
      if (m.final_audio_proc_ms !== undefined) ctx.commit(m.final_audio_proc_ms / 1000);
      const interim = (finalText + tail).trim();
      if (changed && interim !== '') {
        const lang = language ?? tailLanguage;
        const count = finalCount + tailCount;
        const confidence = count > 0 ? (confidenceSum + tailConfidence) / count : 0;
        ctx.emit(transcript({ text: interim, confidence, ...(lang ? { language: lang } : {}) }));
      }
      if (m.finished) {
        flush(ctx, false);
        ctx.notify('done');
      }
      return true;
    },
  };
}

/** Soniox `error_code` → a typed error (401 auth; 400/402 not retryable; 408/429/5xx retryable). */
export function sonioxError(code: number, message: string): ProviderError {
  const body = { error_code: code, error_message: message };
  if (code === 401 || code === 403) return new ProviderAuthError('soniox', code, 'SONIOX_API_KEY', { body });
  return new ProviderStatusError('soniox', code, message || 'request failed', { body });
}
