import {
  ConfigError,
  createConsoleLogger,
  ProviderAuthError,
  ProviderConnectionError,
  ProviderError,
  StreamIdleTimeoutError,
  type AudioFormat,
  type Logger,
  type TTSProvider,
  type TTSSynthesizeOptions,
} from '@patter/core';
import {
  bytesForDuration,
  closeAfterPeer,
  connectWebSocket,
  joinUrl,
  resolveOutputFormat,
  retry,
  SampleAligner,
  SocketAudioQueue,
  toWebSocketUrl,
  TTSStreamError,
  bytesPerSample,
  warmUpHttp,
  withIdleTimeout,
  type WebSocket,
} from '@patter/core/plugin';
import { toElevenLabsFormat } from './elevenlabs-format.js';
import { ENV, resolveTTSOptions, type ElevenLabsTTSOptions, type ResolvedTTSOptions } from './elevenlabs-tts-options.js';

const KEY = 'elevenlabs_ws';
/** Close code of a refused request (bad input or authentication): retrying cannot help. */
const CLOSE_POLICY_VIOLATION = 1008;
/** After isFinal, how long the server's close frame may take (and then our own close's answer). */
const PEER_CLOSE_WAIT_MS = 1000;
/** Audio read from the socket and not yet taken beyond which the socket is paused (backpressure to the vendor), ms. */
const MAX_QUEUED_MS = 2000;

export interface ElevenLabsWebSocketTTSOptions extends ElevenLabsTTSOptions {
  /** Let ElevenLabs pick chunk boundaries for whole sentences (lowest latency). Default true. */
  readonly autoMode?: boolean;
  /** Characters buffered before each generation; honoured only with `autoMode: false`. */
  readonly chunkLengthSchedule?: readonly number[];
  /** Retries of the handshake (429/5xx, connection failures) before any audio. Default 2. */
  readonly maxRetries?: number;
}

/**
 * ElevenLabs text-to-speech over the `stream-input` WebSocket, one socket per utterance
 * (default voice `EXAVITQu4vr4xnSDxMaL`, model `eleven_flash_v2_5`, `auto_mode` on).
 *
 * @example
 * ```ts
 * import * as elevenlabs from '@patter/elevenlabs';
 * phone.agent({ stt, llm, tts: elevenlabs.TTS({ voiceId: '21m00Tcm4TlvDq8ikWAM' }) });
 * ```
 */
export class ElevenLabsTTS implements TTSProvider {
  readonly key = KEY;
  /** The model requests use (labels metrics and traces). */
  readonly model: string;
  readonly outputFormats: readonly AudioFormat[];
  private readonly options: ResolvedTTSOptions;
  private readonly autoMode: boolean;
  private readonly schedule: readonly number[] | undefined;
  private readonly maxRetries: number;
  private readonly logger: Logger;

  constructor(options: ElevenLabsWebSocketTTSOptions = {}) {
    if (options.model === 'eleven_v3') {
      throw new ConfigError('model', 'eleven_v3 is not available over the WebSocket API; use ElevenLabsRestTTS (elevenlabs.RestTTS()) for it');
    }
    this.options = resolveTTSOptions(options);
    this.model = this.options.model;
    this.outputFormats = this.options.outputFormats;
    this.logger = options.logger ?? createConsoleLogger();
    this.autoMode = options.autoMode ?? true;
    const schedule = options.chunkLengthSchedule;
    if (schedule !== undefined && !schedule.every((n) => Number.isInteger(n) && n >= 50 && n <= 500)) {
      throw new ConfigError('chunkLengthSchedule', 'each entry must be an integer from 50 to 500');
    }
    if (schedule !== undefined && this.autoMode) {
      this.logger.warn({ provider: KEY }, 'elevenlabs chunkLengthSchedule is ignored while autoMode is on; pass autoMode: false to use it');
    }
    this.schedule = this.autoMode ? undefined : schedule;
    this.maxRetries = options.maxRetries ?? 2;
  }

  /** Pins `ulaw_8000` (Twilio's format). */
  static forTwilio(options: Omit<ElevenLabsWebSocketTTSOptions, 'outputFormat'> = {}): ElevenLabsTTS {
    return new ElevenLabsTTS({ ...options, outputFormat: 'ulaw_8000' });
  }

  /** Pins what a Telnyx stream plays (`codec`: the Telnyx carrier's, PCMU by default): `ulaw_8000` or `alaw_8000`. */
  static forTelnyx(
    options: Omit<ElevenLabsWebSocketTTSOptions, 'outputFormat'> & { readonly codec?: 'PCMU' | 'PCMA' } = {},
  ): ElevenLabsTTS {
    const { codec = 'PCMU', ...rest } = options;
    return new ElevenLabsTTS({ ...rest, outputFormat: codec === 'PCMA' ? 'alaw_8000' : 'ulaw_8000' });
  }

  async *synthesize(text: string, options: TTSSynthesizeOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    const format = resolveOutputFormat(KEY, this.outputFormats, options.format);
    const { signal } = options;
    if (text.trim() === '' || signal?.aborted) return;
    const logger = options.logger ?? this.logger;
    let ws: WebSocket;
    try {
      ws = await retry(
        () =>
          connectWebSocket(this.url(format), {
            provider: KEY,
            headers: { 'xi-api-key': this.options.apiKey },
            apiKeyEnv: ENV,
            ...(signal ? { signal } : {}),
          }),
        { retries: this.maxRetries, minDelayMs: 200, maxDelayMs: 2000, ...(signal ? { signal } : {}) },
      );
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    }
    if (signal?.aborted) {
      ws.terminate();
      return;
    }
    const audio = this.receive(ws, format, logger, options.callId);
    const peerClosed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    let finished = false;
    const onAbort = () => {
      ws.terminate();
      audio.end();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let emitted = 0;
    try {
      ws.send(JSON.stringify(this.initMessage()));
      ws.send(JSON.stringify({ text: text.endsWith(' ') ? text : `${text} `, flush: true }));
      ws.send('{"text":""}');
      const idle = { provider: KEY, idleTimeoutMs: this.options.idleTimeoutMs, onTimeout: () => ws.terminate() };
      for await (const chunk of withIdleTimeout(audio, idle)) {
        if (signal?.aborted) return;
        // Billed once the vendor synthesized: a refused request (wrong key, bad input) counts nothing.
        if (emitted === 0) options.onUsage?.({ characters: text.length });
        emitted += chunk.length;
        yield chunk;
      }
      finished = true;
    } catch (error) {
      if (signal?.aborted) return;
      if (emitted > 0 && error instanceof StreamIdleTimeoutError) throw new TTSStreamError(KEY, emitted, { cause: error });
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // After isFinal the server closes (1000): wait for its close frame (bounded) without holding
      // up the caller; an abort, an error or a timeout drops the socket at once.
      if (finished && !signal?.aborted) void closeAfterPeer(ws, peerClosed, PEER_CLOSE_WAIT_MS, PEER_CLOSE_WAIT_MS);
      else if (ws.readyState === 0 || ws.readyState === 1) ws.terminate();
    }
  }

  /**
   * One HTTPS request to the API host, so DNS, the route and the vendor's edge are warm before
   * the first utterance (the socket itself is opened per utterance). Never throws.
   */
  async warmup(): Promise<void> {
    await warmUpHttp(this.options.baseUrl, { provider: KEY, logger: this.logger });
  }

  private url(format: AudioFormat): string {
    const o = this.options;
    return toWebSocketUrl(
      joinUrl(o.baseUrl, `/v1/text-to-speech/${encodeURIComponent(o.voiceId)}/stream-input`, {
        model_id: o.model,
        output_format: toElevenLabsFormat(format),
        auto_mode: this.autoMode ? 'true' : undefined,
        language_code: o.languageCode,
      }),
    );
  }

  private initMessage(): Record<string, unknown> {
    return {
      text: ' ',
      ...(this.options.voiceSettings ? { voice_settings: this.options.voiceSettings } : {}),
      ...(this.schedule ? { generation_config: { chunk_length_schedule: this.schedule } } : {}),
    };
  }

  /** The socket's audio as whole samples; ends on `isFinal`, fails on an error message or a drop. */
  private receive(ws: WebSocket, format: AudioFormat, logger: Logger, callId: string | undefined): SocketAudioQueue {
    // A consumer that does not take the audio (the call's playout is full) pauses the socket.
    const queue = new SocketAudioQueue(ws, bytesForDuration(format, MAX_QUEUED_MS));
    const aligner = new SampleAligner(bytesPerSample(format) === 2 ? 2 : 1);
    let emitted = 0;
    const fail = (error: ProviderError) => queue.fail(emitted > 0 ? new TTSStreamError(KEY, emitted, { cause: error }) : error);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let message: { audio?: unknown; isFinal?: unknown; error?: unknown; message?: unknown };
      try {
        message = JSON.parse(String(data));
      } catch {
        logger.warn({ provider: KEY, callId }, 'elevenlabs sent malformed JSON; dropped');
        return;
      }
      if (typeof message !== 'object' || message === null || Array.isArray(message)) {
        logger.warn({ provider: KEY, callId }, 'elevenlabs sent a message that is not an object; dropped');
        return;
      }
      if (message.error) {
        const code = typeof message.error === 'string' ? message.error : JSON.stringify(message.error);
        const detail = typeof message.message === 'string' ? message.message.slice(0, 300) : '';
        if (isAuthError(code)) queue.fail(new ProviderAuthError(KEY, 401, ENV, { body: message.error }));
        else fail(new ProviderError(KEY, detail ? `${code}: ${detail}` : code, { retryable: false, body: message.error }));
        ws.terminate();
        return;
      }
      if (typeof message.audio === 'string' && message.audio.length > 0) {
        const chunk = aligner.push(Buffer.from(message.audio, 'base64'));
        if (chunk.length > 0) {
          emitted += chunk.length;
          queue.push(chunk);
        }
      }
      if (message.isFinal) queue.end();
    });
    ws.on('close', (code, reason) => {
      if (queue.closed) return;
      const why = reason.toString().slice(0, 200);
      if (code === CLOSE_POLICY_VIOLATION && isAuthError(why)) {
        queue.fail(new ProviderAuthError(KEY, 401, ENV, { body: why }));
        return;
      }
      const message = `socket closed before the final message (close ${code} ${why})`.trim();
      // 1008: the vendor refused the request (bad input or key); the same request would be refused again.
      fail(code === CLOSE_POLICY_VIOLATION ? new ProviderError(KEY, message, { retryable: false, body: why }) : new ProviderConnectionError(KEY, message));
    });
    ws.on('error', (err) => logger.warn({ err, provider: KEY, callId }, 'elevenlabs socket error'));
    return queue;
  }
}

/** An error code or close reason that says the key was refused (`invalid_api_key` …). */
function isAuthError(text: string): boolean {
  return /invalid_api_key|api[ _-]?key|unauthori[sz]ed|authenticat/i.test(text);
}
