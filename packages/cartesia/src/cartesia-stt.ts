import {
  ALAW_8K,
  ConfigError,
  MULAW_8K,
  PCM16_16K,
  PCM16_8K,
  type AudioFormat,
  type Logger,
  type ParkedSTTConnection,
  type STTProvider,
  type STTStream,
  type STTStreamOptions,
} from '@patter/core';
import {
  connectWebSocket,
  createWebSocketSTTStream,
  describeFormat,
  joinUrl,
  normalizeBaseUrl,
  resolveApiKey,
  sameFormat,
  toWebSocketUrl,
  warmUpWebSocket,
  type QueryValue,
  type WebSocket,
  rejectUnknownOptions,
} from '@patter/core/plugin';
import { cartesiaSTTAdapter } from './cartesia-stt-adapter.js';

export type CartesiaSTTModel = 'ink-whisper' | 'ink-whisper-2025-06-04' | 'ink-2' | (string & {});

export interface CartesiaSTTOptions {
  /** Default: the `CARTESIA_API_KEY` environment variable. */
  readonly apiKey?: string;
  readonly model?: CartesiaSTTModel;
  /** ISO-639-1 code. */
  readonly language?: string;
  /** 0–1: server VAD volume threshold (ink-whisper). Sent only when set. */
  readonly minVolume?: number;
  /** Silence (s) after which the server finalizes on its own (ink-whisper). Sent only when set. */
  readonly maxSilenceDurationSecs?: number;
  /** Terms to boost (one `keyterm` parameter each). */
  readonly keyterms?: readonly string[];
  /** `Cartesia-Version` header. */
  readonly version?: string;
  /** Text command that ends a stream: `done` or `close` (newer API versions). */
  readonly closeCommand?: 'done' | 'close';
  readonly pingIntervalMs?: number;
  /** `wss://api.cartesia.ai`, a proxy or a fake. */
  readonly baseUrl?: string;
  readonly inputFormats?: readonly AudioFormat[];
  readonly logger?: Logger;
  /**
   * A socket that sends nothing for this long while audio flows to it is dropped with a warning
   * naming the provider and reconnected, replaying the unanswered audio. Default off (0): this
   * vendor may rightly send nothing through a long silence.
   */
  readonly inactivityTimeoutMs?: number;
  /**
   * Caller audio per message, 20–1000 ms: frames are coalesced up to it (Cartesia's docs suggest
   * ~100 ms chunks; fewer, larger messages cost the server less). A finalize or close sends what is
   * held at once. Default 100; 20 sends each Twilio frame as it comes.
   */
  readonly chunkMs?: number;
}

/** Every option name, for the unknown-option check (`satisfies` keeps the list complete). */
const OPTION_NAMES: ReadonlySet<string> = new Set(
  Object.keys({
    apiKey: true, model: true, language: true, minVolume: true, maxSilenceDurationSecs: true,
    keyterms: true, version: true, closeCommand: true, pingIntervalMs: true, baseUrl: true,
    inputFormats: true, logger: true, inactivityTimeoutMs: true, chunkMs: true,
  } satisfies Record<keyof CartesiaSTTOptions, true>),
);

export const DEFAULTS = {
  model: 'ink-whisper',
  language: 'en',
  version: '2026-03-01',
  closeCommand: 'done',
  pingIntervalMs: 30_000,
  chunkMs: 100,
  baseUrl: 'wss://api.cartesia.ai',
  inputFormats: [PCM16_16K, MULAW_8K, ALAW_8K, PCM16_8K],
} as const;

const ENCODINGS = { pcm16: 'pcm_s16le', mulaw: 'pcm_mulaw', alaw: 'pcm_alaw' } as const;

/** A socket opened while the phone rings, to be adopted by the call's stream at pickup. */
export interface CartesiaParkedConnection {
  readonly socket: WebSocket;
  readonly format: AudioFormat;
  /** Closes the socket if it was never adopted (the call was not answered). */
  close(): void;
}

/**
 * Cartesia Ink speech-to-text (`/stt/websocket`, ink-whisper). `finalize()` sends `finalize`,
 * `close()` sends `done`. To save the handshake at pickup, open a connection while the phone
 * rings with `openParkedConnection()` and hand it to `adoptWebSocket()` when the call starts.
 *
 * @example
 * import * as cartesia from '@patter/cartesia';
 * phone.agent({ stt: cartesia.STT(), llm, tts });
 */
export class CartesiaSTT implements STTProvider {
  readonly key = 'cartesia_stt';
  /** The model requests use (labels metrics and traces). */
  readonly model: string;
  readonly inputFormats: readonly AudioFormat[];
  private readonly apiKey: string;
  private readonly baseUrl: string;

  constructor(private readonly options: CartesiaSTTOptions = {}) {
    rejectUnknownOptions(options, OPTION_NAMES, 'Cartesia STT option');
    this.apiKey = resolveApiKey(options.apiKey, 'CARTESIA_API_KEY');
    this.model = options.model ?? DEFAULTS.model;
    this.baseUrl = toWebSocketUrl(normalizeBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl));
    if (options.minVolume !== undefined && !(options.minVolume >= 0 && options.minVolume <= 1)) {
      throw new ConfigError('minVolume', `must be between 0 and 1, got ${options.minVolume}`);
    }
    if (options.maxSilenceDurationSecs !== undefined && !(options.maxSilenceDurationSecs > 0)) {
      throw new ConfigError('maxSilenceDurationSecs', `must be positive, got ${options.maxSilenceDurationSecs}`);
    }
    if (options.closeCommand !== undefined && options.closeCommand !== 'done' && options.closeCommand !== 'close') {
      throw new ConfigError('closeCommand', `must be 'done' or 'close', got ${String(options.closeCommand)}`);
    }
    if (options.chunkMs !== undefined && !(options.chunkMs >= 20 && options.chunkMs <= 1000)) {
      throw new ConfigError('chunkMs', `must be between 20 and 1000, got ${options.chunkMs}`);
    }
    this.inputFormats = options.inputFormats ?? DEFAULTS.inputFormats;
    for (const format of this.inputFormats) encodingOf(format);
  }

  /** Pinned to Twilio's μ-law 8 kHz (`pcm_mulaw`): carrier audio goes through untouched. */
  static forTwilio(options: CartesiaSTTOptions = {}): CartesiaSTT {
    return new CartesiaSTT({ ...options, inputFormats: [MULAW_8K] });
  }

  /** The `/stt/websocket` URL for `format`. */
  url(format: AudioFormat): string {
    const o = this.options;
    const query: Record<string, QueryValue> = {
      model: o.model ?? DEFAULTS.model,
      language: o.language ?? DEFAULTS.language,
      encoding: encodingOf(format),
      sample_rate: format.sampleRate,
      min_volume: o.minVolume,
      max_silence_duration_secs: o.maxSilenceDurationSecs,
      keyterm: o.keyterms && o.keyterms.length > 0 ? o.keyterms : undefined,
    };
    return joinUrl(this.baseUrl, '/stt/websocket', query);
  }

  stream(options: STTStreamOptions): STTStream {
    const { parked } = options;
    if (parked && isCartesiaParked(parked)) return this.adoptWebSocket(parked, options);
    parked?.close();
    return this.open(options, undefined);
  }

  /** The `STTProvider` form of `openParkedConnection` (answer-time warmup); `stream({ parked })` adopts it. */
  park(options: { readonly format: AudioFormat; readonly signal?: AbortSignal }): Promise<CartesiaParkedConnection> {
    return this.openParkedConnection(options);
  }

  /**
   * Opens a connection for a call that is still ringing. Hand it to `adoptWebSocket()` at pickup
   * (or `close()` it). Rejects with a typed error like any connect.
   */
  async openParkedConnection(options: { format?: AudioFormat; signal?: AbortSignal } = {}): Promise<CartesiaParkedConnection> {
    const format = options.format ?? this.inputFormats[0] ?? PCM16_16K;
    const socket = await connectWebSocket(this.url(format), {
      provider: 'cartesia_stt',
      headers: this.headers(),
      apiKeyEnv: 'CARTESIA_API_KEY',
      ...(options.signal ? { signal: options.signal } : {}),
    });
    socket.on('error', () => {});
    // Keep reading while parked, so pings are answered and a vendor close is seen at once
    // (Cartesia sends nothing before audio, so no transcript can be dropped here).
    socket.on('message', ignore);
    return { socket, format, close: () => socket.close(1000) };
  }

  /**
   * The call's stream over a parked connection: no new handshake. If the parked socket died
   * meanwhile (Cartesia drops idle sockets after ~20 s) or its format differs, a new one is opened.
   */
  adoptWebSocket(parked: CartesiaParkedConnection, options: STTStreamOptions): STTStream {
    if (!sameFormat(parked.format, options.format)) {
      parked.close();
      return this.open(options, undefined);
    }
    parked.socket.off('message', ignore);
    return this.open(options, parked.socket);
  }

  /** Opens and closes one connection so DNS/TLS are warm. Never throws. */
  async warmup(): Promise<void> {
    const adapter = this.adapter(this.inputFormats[0] ?? PCM16_16K);
    await warmUpWebSocket(adapter, this.options.logger ? { logger: this.options.logger } : {});
  }

  private open(options: STTStreamOptions, socket: WebSocket | undefined): STTStream {
    const logger = options.logger ?? this.options.logger;
    return createWebSocketSTTStream(this.adapter(options.format), {
      ...options,
      ...(logger ? { logger } : {}),
      ...(socket ? { socket } : {}),
      ...(this.options.inactivityTimeoutMs === undefined ? {} : { inactivityTimeoutMs: this.options.inactivityTimeoutMs }),
    });
  }

  private headers(): Record<string, string> {
    return { 'x-api-key': this.apiKey, 'cartesia-version': this.options.version ?? DEFAULTS.version };
  }

  private adapter(format: AudioFormat) {
    return cartesiaSTTAdapter({
      url: this.url(format),
      headers: this.headers(),
      closeCommand: this.options.closeCommand ?? DEFAULTS.closeCommand,
      pingIntervalMs: this.options.pingIntervalMs ?? DEFAULTS.pingIntervalMs,
      chunkMs: this.options.chunkMs ?? DEFAULTS.chunkMs,
    });
  }
}

function ignore(): void {}

function encodingOf(format: AudioFormat): string {
  const encoding = ENCODINGS[format.encoding];
  if (!encoding) throw new ConfigError('format', `Cartesia STT cannot take ${describeFormat(format)}`);
  return encoding;
}

function isCartesiaParked(parked: ParkedSTTConnection): parked is CartesiaParkedConnection {
  return 'socket' in parked && typeof (parked as { socket?: unknown }).socket === 'object';
}
