import { ProviderError, type Transcript, type TranscriptWord } from '@patter/core';
import { transcript, type WebSocketSTTAdapter, type WebSocketSTTContext } from '@patter/core/plugin';

export const FINALIZE = '{"type":"Finalize"}';
export const CLOSE_STREAM = '{"type":"CloseStream"}';
export const KEEP_ALIVE = '{"type":"KeepAlive"}';

interface DeepgramWord {
  word?: string;
  punctuated_word?: string;
  start?: number;
  end?: number;
  confidence?: number;
  speaker?: number;
}

interface DeepgramMessage {
  type?: string;
  is_final?: boolean;
  speech_final?: boolean;
  from_finalize?: boolean;
  start?: number;
  duration?: number;
  channel?: { alternatives?: { transcript?: string; confidence?: number; words?: DeepgramWord[]; languages?: string[] }[] };
  metadata?: { request_id?: string };
  request_id?: string;
}

export interface DeepgramAdapterConfig {
  readonly url: string;
  readonly apiKey: string;
  readonly keepAliveIntervalMs: number;
  /** How long `close()` waits for the answer to its last `Finalize` before `CloseStream`. */
  readonly finalizeTimeoutMs: number;
}

/** The Deepgram `/v1/listen` protocol as a `WebSocketSTTAdapter`. */
export function deepgramAdapter(config: DeepgramAdapterConfig): WebSocketSTTAdapter {
  const headers = { authorization: `Token ${config.apiKey}` };
  let requestId: string | undefined;
  return {
    provider: 'deepgram',
    apiKeyEnv: 'DEEPGRAM_API_KEY',
    request: () => ({ url: config.url, headers }),
    finalizeMessage: FINALIZE,
    keepAlive: { intervalMs: config.keepAliveIntervalMs, message: KEEP_ALIVE, onlyWhenIdle: true },
    async close(io) {
      io.send(FINALIZE);
      await io.waitFor('flushed', config.finalizeTimeoutMs);
      io.send(CLOSE_STREAM);
    },
    classifyClose(code, reason) {
      // DATA-0000: the payload is not audio in the declared encoding; retrying cannot help.
      if (reason.startsWith('DATA-')) {
        return new ProviderError('deepgram', 'audio could not be decoded', { retryable: false, body: { code, reason } });
      }
      return undefined;
    },
    onMessage(message, ctx) {
      const m = message as DeepgramMessage;
      switch (m.type) {
        case 'Results':
          requestId = m.metadata?.request_id ?? requestId;
          onResults(m, requestId, ctx);
          return true;
        case 'SpeechStarted':
          ctx.emit(transcript({ text: '', eventType: 'SpeechStarted', confidence: 0, ...withId(requestId) }));
          return true;
        case 'UtteranceEnd':
          ctx.emit(transcript({ text: '', eventType: 'UtteranceEnd', speechFinal: true, confidence: 0, ...withId(requestId) }));
          return true;
        case 'Metadata':
          requestId ??= m.request_id;
          return true;
        default:
          return false;
      }
    },
  };
}

function onResults(m: DeepgramMessage, requestId: string | undefined, ctx: WebSocketSTTContext): void {
  const alt = m.channel?.alternatives?.[0];
  const text = alt?.transcript ?? '';
  const isFinal = m.is_final === true;
  const speechFinal = m.speech_final === true;
  const fromFinalize = m.from_finalize === true;
  if (text !== '' || speechFinal || fromFinalize) {
    const t: Transcript = transcript({
      text,
      isFinal,
      speechFinal,
      fromFinalize,
      confidence: alt?.confidence ?? 0,
      eventType: 'Results',
      words: (alt?.words ?? []).map(toWord),
      ...withId(requestId),
      ...(alt?.languages?.[0] ? { language: alt.languages[0] } : {}),
    });
    ctx.emit(t);
  }
  if (isFinal) ctx.commit(m.start !== undefined && m.duration !== undefined ? m.start + m.duration : undefined);
  if (fromFinalize) ctx.notify('flushed');
}

function toWord(w: DeepgramWord): TranscriptWord {
  return {
    word: w.punctuated_word ?? w.word ?? '',
    start: w.start ?? 0,
    end: w.end ?? 0,
    ...(w.confidence === undefined ? {} : { confidence: w.confidence }),
    ...(w.speaker === undefined ? {} : { speaker: w.speaker }),
  };
}

function withId(requestId: string | undefined): { requestId?: string } {
  return requestId === undefined ? {} : { requestId };
}
