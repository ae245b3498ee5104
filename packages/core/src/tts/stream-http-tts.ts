import type { Dispatcher } from 'undici';
import { bytesPerSample, type AudioFormat } from '../audio/audio-format.js';
import { ProviderConnectionError, ProviderError } from '../errors/provider-error.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { httpRequest } from '../net/http-request.js';
import { headersTimeout, stallOnHeadersTimeout, withIdleTimeout } from '../net/with-idle-timeout.js';
import { delay } from '../util/abort.js';
import { backoffDelay } from '../util/retry.js';
import { SampleAligner } from './sample-aligner.js';
import { ttsBodyHighWaterMark } from './tts-body-high-water-mark.js';
import type { TTSUsage } from './tts-provider.js';
import { TTSStreamError } from './tts-stream-error.js';
import { stripWavHeader, WavHeaderStripper } from './wav-header.js';

/** Default `idleTimeoutMs` of a TTS response body. */
export const DEFAULT_TTS_IDLE_TIMEOUT_MS = 5_000;
const DEFAULT_IDLE_TIMEOUT_MS = DEFAULT_TTS_IDLE_TIMEOUT_MS;

/** What a vendor's response body becomes: audio chunks (decoded from JSON lines, SSE …). */
export type HttpTTSDecoder = (
  body: AsyncIterable<Uint8Array>,
  context: { readonly provider: string; readonly logger: Logger },
) => AsyncIterable<Uint8Array>;

export interface StreamHttpTTSOptions {
  /** Provider key (`cartesia_tts` …), for errors, logs and usage. */
  readonly provider: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** Request body; an object is serialized once as JSON (and re-sent as is on a retry). */
  readonly body: string | Uint8Array | Record<string, unknown>;
  /** The format the vendor was asked for: sets sample alignment (PCM16 → 2-byte samples). */
  readonly format: AudioFormat;
  /** Characters billed, reported once through `onUsage` when the vendor accepted the request. */
  readonly characters: number;
  /** Named in the error of a 401/403. */
  readonly apiKeyEnv?: string;
  /** Body → audio chunks. Default: the body bytes are the audio. */
  readonly decode?: HttpTTSDecoder;
  /**
   * `stream`: the body may start with a WAV header (possibly split across chunks), stripped once.
   * `chunk`: every decoded chunk may start with its own header. Default `none`.
   */
  readonly wavHeader?: 'none' | 'stream' | 'chunk';
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  readonly callId?: string;
  readonly onUsage?: (usage: TTSUsage) => void;
  /** The response header that names the request (`x-request-id` …): its value goes to `onRequestId`. */
  readonly requestIdHeader?: string;
  /** Called with the request's id (`requestIdHeader`), when the response carries it. */
  readonly onRequestId?: (requestId: string) => void;
  /** Retries before the first audio byte (429, 5xx, connection failures). Default 2. */
  readonly retries?: number;
  /** First backoff in ms (a `retry-after` header wins). Default 200. */
  readonly minDelayMs?: number;
  /** Backoff cap in ms. Default 2000. */
  readonly maxDelayMs?: number;
  /** Time to the response headers. Default: `idleTimeoutMs` (a stall), or 15 s when that is off. */
  readonly timeoutMs?: number;
  /**
   * The longest silence of the response body, before its first byte and between two: then the
   * request is aborted with `StreamIdleTimeoutError` (not retried here). Default 5 s; 0 disables.
   */
  readonly idleTimeoutMs?: number;
  readonly dispatcher?: Dispatcher;
}

/**
 * One HTTP-streaming synthesis. Yields audio as it arrives, every chunk whole samples (odd
 * chunk boundaries re-aligned, a WAV header stripped when asked). A 429/5xx or a dropped
 * connection is retried only while no audio has been emitted (honouring `retry-after`); once
 * audio went out, a failure throws `TTSStreamError` and is never retried. 401/403 →
 * `ProviderAuthError` naming `apiKeyEnv`, no retry. A body that goes quiet for `idleTimeoutMs`
 * is aborted with `StreamIdleTimeoutError` (after audio: `TTSStreamError` caused by it). On abort the request is destroyed and the
 * iteration ends quietly within one event-loop turn; nothing is emitted after it.
 */
export async function* streamHttpTTS(options: StreamHttpTTSOptions): AsyncGenerator<Uint8Array, void, undefined> {
  const { provider, signal } = options;
  if (signal?.aborted) return;
  const logger = options.logger ?? silentLogger;
  const headers: Record<string, string> = { ...options.headers };
  let body = options.body;
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    body = JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  }
  const sampleBytes = bytesPerSample(options.format) === 2 ? 2 : 1;
  const highWaterMark = ttsBodyHighWaterMark(options.format);
  const retries = options.retries ?? 2;
  const wavHeader = options.wavHeader ?? 'none';
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const wait = headersTimeout(options.timeoutMs, idleTimeoutMs, 15_000);
  let emitted = 0;
  let accepted = false;
  try {
    for (let attempt = 0; ; attempt++) {
      let responseBody: { destroy(): unknown } | undefined;
      try {
        const response = await httpRequest(options.url, {
          provider,
          method: 'POST',
          headers,
          body,
          timeoutMs: wait.ms,
          ...(signal ? { signal } : {}),
          ...(options.apiKeyEnv ? { apiKeyEnv: options.apiKeyEnv } : {}),
          ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
          ...(highWaterMark === undefined ? {} : { highWaterMark }),
        }).catch((error: unknown) => {
          throw stallOnHeadersTimeout(error, provider, wait);
        });
        accepted = true;
        const requestId = options.requestIdHeader === undefined ? undefined : response.headers[options.requestIdHeader];
        if (typeof requestId === 'string' && requestId !== '') options.onRequestId?.(requestId);
        responseBody = response.body;
        const audioBody = withIdleTimeout(response.body, {
          provider,
          idleTimeoutMs,
          onTimeout: () => response.body.destroy(),
        });
        const source = options.decode ? options.decode(audioBody, { provider, logger }) : audioBody;
        const aligner = new SampleAligner(sampleBytes);
        const stripper = wavHeader === 'stream' ? new WavHeaderStripper() : undefined;
        for await (const raw of source) {
          if (signal?.aborted) return;
          let chunk = wavHeader === 'chunk' ? stripWavHeader(raw) : stripper ? stripper.push(raw) : raw;
          chunk = aligner.push(chunk);
          if (chunk.length === 0) continue;
          emitted += chunk.length;
          yield chunk;
          if (signal?.aborted) return;
        }
        if (aligner.flush() > 0) logger.debug({ provider, callId: options.callId }, 'tts stream ended mid-sample; dropped 1 byte');
        if (emitted === 0) throw new ProviderError(provider, 'response carried no audio', { retryable: false });
        return;
      } catch (error) {
        if (signal?.aborted) return;
        if (emitted > 0) {
          throw new TTSStreamError(provider, emitted, {
            cause: error,
            ...(ProviderError.isProviderError(error) && error.status !== undefined ? { status: error.status } : {}),
            ...(ProviderError.isProviderError(error) ? { body: error.body } : {}),
          });
        }
        const typed = ProviderError.isProviderError(error)
          ? error
          : new ProviderConnectionError(provider, 'response stream failed', { cause: error });
        if (attempt >= retries || !typed.retryable) throw typed;
        const wait = backoffDelay(
          attempt + 1,
          { minDelayMs: options.minDelayMs ?? 200, maxDelayMs: options.maxDelayMs ?? 2000 },
          typed.retryAfter,
        );
        logger.warn({ err: typed, provider, callId: options.callId, attempt: attempt + 1, waitMs: wait }, 'tts request failed; retrying');
        try {
          await delay(wait, signal);
        } catch {
          return;
        }
      } finally {
        responseBody?.destroy();
      }
    }
  } finally {
    if (accepted) options.onUsage?.({ characters: options.characters });
  }
}
