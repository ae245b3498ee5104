import {
  ProviderAuthError,
  ProviderError,
  ProviderStatusError,
  type TranscriptWord,
} from '@patter/core';
import { transcript, type WebSocketSTTAdapter } from '@patter/core/plugin';

interface CartesiaWord {
  word?: string;
  start?: number;
  end?: number;
}

interface CartesiaMessage {
  type?: string;
  request_id?: string;
  text?: string;
  is_final?: boolean;
  duration?: number;
  language?: string;
  words?: CartesiaWord[];
  message?: string;
  title?: string;
  error_code?: string;
  status_code?: number;
  code?: number;
}

export interface CartesiaSTTAdapterConfig {
  readonly url: string;
  readonly headers: Record<string, string>;
  /** `done` (default, the 2025 protocol Pipecat speaks) or `close` (2026 docs and SDK). */
  readonly closeCommand: 'done' | 'close';
  readonly pingIntervalMs: number;
  /** Audio per message (frames coalesced up to it). */
  readonly chunkMs: number;
}

/**
 * Cartesia `/stt/websocket` (ink-whisper) as a `WebSocketSTTAdapter`. Commands are plain text
 * frames (`finalize`, `done`), not JSON. Each `is_final` chunk is one final segment.
 */
export function cartesiaSTTAdapter(config: CartesiaSTTAdapterConfig): WebSocketSTTAdapter {
  // A finalize() is waiting for its final. Cartesia may answer `flush_done` before or after that
  // final, so a final within a second after `flush_done` still counts.
  let finalizing = false;
  let flushDoneAt: number | undefined;
  return {
    provider: 'cartesia_stt',
    apiKeyEnv: 'CARTESIA_API_KEY',
    request: () => ({ url: config.url, headers: config.headers }),
    finalizeMessage: 'finalize',
    onFinalize: () => {
      finalizing = true;
      flushDoneAt = undefined;
    },
    // Cartesia disconnects after 20 s without audio; pings keep NATs and proxies open.
    keepAlive: { intervalMs: config.pingIntervalMs },
    chunkMs: config.chunkMs,
    // Transcripts come only with speech: Cartesia may rightly say nothing through a long silence.
    inactivityTimeoutMs: 0,
    close: (io) => io.send(config.closeCommand),
    onMessage(message, ctx) {
      const m = message as CartesiaMessage;
      switch (m.type) {
        case 'transcript': {
          // A delta since the last final, kept raw: its leading space is part of the text (notes §5).
          const text = m.text ?? '';
          const isFinal = m.is_final === true;
          const words = m.words ?? [];
          const fromFinalize = isFinal && finalizing && (flushDoneAt === undefined || Date.now() - flushDoneAt < 1000);
          if (isFinal) finalizing = false;
          if (text.trim() !== '' || isFinal) {
            ctx.emit(
              transcript({
                text,
                isFinal,
                // ink-whisper finalizes on silence (or on `finalize`): a final ends the speech.
                speechFinal: isFinal,
                fromFinalize,
                // Cartesia reports no confidence.
                confidence: 1,
                words: words.map(toWord),
                ...(m.request_id ? { requestId: m.request_id } : {}),
                ...(m.language ? { language: m.language } : {}),
              }),
            );
          }
          if (isFinal) {
            const last = words[words.length - 1];
            ctx.commit(last?.end ?? m.duration);
          }
          return true;
        }
        case 'flush_done':
          flushDoneAt = Date.now();
          ctx.notify('flushed');
          return true;
        case 'done':
          ctx.notify('done');
          return true;
        case 'error':
          ctx.error(cartesiaError(m));
          return true;
        default:
          return false;
      }
    },
  };
}

function cartesiaError(m: CartesiaMessage): ProviderError {
  const status = m.status_code ?? m.code;
  const body = { error_code: m.error_code, title: m.title, message: m.message, status_code: status };
  const text = m.message ?? m.title ?? 'error';
  if (status === 401 || status === 403) return new ProviderAuthError('cartesia_stt', status, 'CARTESIA_API_KEY', { body });
  if (status !== undefined) return new ProviderStatusError('cartesia_stt', status, text, { body });
  return new ProviderError('cartesia_stt', text, { retryable: false, body });
}

function toWord(w: CartesiaWord): TranscriptWord {
  return { word: w.word ?? '', start: w.start ?? 0, end: w.end ?? 0 };
}
