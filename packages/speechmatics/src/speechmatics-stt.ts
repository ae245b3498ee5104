import {
  ConfigError,
  MULAW_8K,
  PCM16_16K,
  PCM16_8K,
  type AudioFormat,
  type STTProvider,
  type STTStream,
  type STTStreamOptions,
} from '@patter/core';
import {
  createWebSocketSTTStream,
  normalizeBaseUrl,
  resolveApiKey,
  warmUpWebSocket,
  type WebSocketSTTStream,
  rejectUnknownOptions,
} from '@patter/core/plugin';
import { speechmaticsAdapter } from './speechmatics-adapter.js';

/**
 * How the end of the caller's turn is found (Speechmatics voice SDK names):
 * - `FIXED`: the server ends the turn after `endOfUtteranceSilence` of silence (`EndOfUtterance`).
 * - `ADAPTIVE`: no server trigger; the client waits after the last words for a time scaled by
 *   how they end (shorter after "?" or ".", longer after "um" or "and"), then sends `ForceEndOfUtterance`.
 * - `SMART_TURN`: `ADAPTIVE` with the SMART_TURN preset's longer base wait (0.8 s). Speechmatics'
 *   Python SDK adds a local Smart Turn ONNX model; it has no JavaScript port, so it is not run here.
 * - `EXTERNAL`: no detection; the turn ends when the call session calls `finalize()`.
 */
export type SpeechmaticsTurnDetection = 'EXTERNAL' | 'FIXED' | 'ADAPTIVE' | 'SMART_TURN';

export interface SpeechmaticsAdditionalVocab {
  readonly content: string;
  readonly soundsLike?: readonly string[];
}

export interface SpeechmaticsSTTOptions {
  /** Default: the `SPEECHMATICS_API_KEY` environment variable. */
  readonly apiKey?: string;
  /** Real-time endpoint. Default `wss://eu.rt.speechmatics.com/v2` (also `us.rt…`, `global.rt…`). */
  readonly baseUrl?: string;
  /** Language code. Default `en`. */
  readonly language?: string;
  /** `standard`, `enhanced` or `melia-1` (sent as `model`, the current name of `operating_point`). Default `enhanced`. */
  readonly model?: 'standard' | 'enhanced' | 'melia-1' | (string & {});
  /** Interim results (`AddPartialTranscript`). Default true. */
  readonly enablePartials?: boolean;
  /** Seconds from the end of a word to its final, 0.7–4. Default 0.7. */
  readonly maxDelay?: number;
  /** `flexible` may exceed `maxDelay` to finish an entity (numbers, dates). Default `flexible`. */
  readonly maxDelayMode?: 'flexible' | 'fixed';
  /** Default `ADAPTIVE`. */
  readonly turnDetection?: SpeechmaticsTurnDetection;
  /** Silence that ends a turn (FIXED) or the base wait (ADAPTIVE/SMART_TURN), seconds. Default 0.5 / 0.7 / 0.8. */
  readonly endOfUtteranceSilence?: number;
  /** Label speakers (`S1`, `S2` … on words and transcripts). Default false. */
  readonly diarization?: boolean;
  /** With diarization: the most speakers to tell apart (≥ 2). */
  readonly maxSpeakers?: number;
  /** Words the recognizer should know (names, products). */
  readonly additionalVocab?: readonly (string | SpeechmaticsAdditionalVocab)[];
  /**
   * WebSocket ping cadence (ms). Speechmatics ends a session after 3 min with neither audio nor
   * ping/pong and recommends a ping every 20–60 s. Default 30 000; 1000–60 000 accepted.
   */
  readonly pingIntervalMs?: number;
  /**
   * A socket that sends nothing for this long while audio flows to it is dropped with a warning
   * naming the provider and reconnected, replaying the unanswered audio. Default 15 000; 0 = off.
   */
  readonly inactivityTimeoutMs?: number;
}

/** Every option name, for the unknown-option check (`satisfies` keeps the list complete). */
const OPTION_NAMES: ReadonlySet<string> = new Set(
  Object.keys({
    apiKey: true, baseUrl: true, language: true, model: true, enablePartials: true, maxDelay: true,
    maxDelayMode: true, turnDetection: true, endOfUtteranceSilence: true, diarization: true,
    maxSpeakers: true, additionalVocab: true, pingIntervalMs: true, inactivityTimeoutMs: true,
  } satisfies Record<keyof SpeechmaticsSTTOptions, true>),
);

export const DEFAULTS = {
  baseUrl: 'wss://eu.rt.speechmatics.com/v2',
  language: 'en',
  model: 'enhanced',
  enablePartials: true,
  maxDelay: 0.7,
  maxDelayMode: 'flexible',
  turnDetection: 'ADAPTIVE',
  endOfUtteranceSilence: { FIXED: 0.5, ADAPTIVE: 0.7, SMART_TURN: 0.8 },
} as const;

const TURN_MODES: readonly SpeechmaticsTurnDetection[] = ['EXTERNAL', 'FIXED', 'ADAPTIVE', 'SMART_TURN'];

/**
 * Speechmatics real-time STT (v2 WebSocket). One socket per call; reconnects on a dropped
 * socket and re-sends the audio since the last final. μ-law 8 kHz passes through untouched.
 *
 * @example
 * ```ts
 * import * as speechmatics from '@patter/speechmatics';
 * phone.agent({ stt: speechmatics.STT({ turnDetection: 'FIXED', diarization: true }), llm, tts });
 * ```
 */
export class SpeechmaticsSTT implements STTProvider {
  readonly key = 'speechmatics';
  /** The model requests use (labels metrics and traces). */
  readonly model: string;
  readonly inputFormats: readonly AudioFormat[] = [PCM16_16K, MULAW_8K, PCM16_8K];
  private readonly apiKey: string;
  private readonly baseUrl: string;
  private readonly turnDetection: SpeechmaticsTurnDetection;

  constructor(private readonly options: SpeechmaticsSTTOptions = {}) {
    rejectUnknownOptions(options, OPTION_NAMES, 'Speechmatics option');
    this.apiKey = resolveApiKey(options.apiKey, 'SPEECHMATICS_API_KEY');
    this.model = options.model ?? DEFAULTS.model;
    this.baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl);
    this.turnDetection = options.turnDetection ?? DEFAULTS.turnDetection;
    if (!TURN_MODES.includes(this.turnDetection)) {
      throw new ConfigError('turnDetection', `must be one of ${TURN_MODES.join(', ')}, got ${String(this.turnDetection)}`);
    }
    const maxDelay = options.maxDelay ?? DEFAULTS.maxDelay;
    if (!(maxDelay >= 0.7 && maxDelay <= 4)) throw new ConfigError('maxDelay', `must be between 0.7 and 4 seconds, got ${maxDelay}`);
    const silence = options.endOfUtteranceSilence;
    if (silence !== undefined && !(silence > 0 && silence <= 2)) {
      throw new ConfigError('endOfUtteranceSilence', `must be in (0, 2] seconds, got ${silence}`);
    }
    const ping = options.pingIntervalMs;
    if (ping !== undefined && !(ping >= 1000 && ping <= 60_000)) {
      throw new ConfigError('pingIntervalMs', `must be between 1000 and 60000 (Speechmatics recommends 20–60 s), got ${ping}`);
    }
    if (options.maxSpeakers !== undefined && !(Number.isInteger(options.maxSpeakers) && options.maxSpeakers >= 2)) {
      throw new ConfigError('maxSpeakers', `must be an integer ≥ 2, got ${options.maxSpeakers}`);
    }
  }

  stream(options: STTStreamOptions): STTStream {
    const { format } = options;
    if (format.channels !== 1 || (format.encoding !== 'pcm16' && format.encoding !== 'mulaw')) {
      throw new ConfigError('format', `speechmatics takes mono pcm16 or mulaw audio, got ${format.encoding}`);
    }
    const mode = this.turnDetection;
    let stream: WebSocketSTTStream | undefined;
    const adapter = speechmaticsAdapter({
      url: this.baseUrl,
      apiKey: this.apiKey,
      startRecognition: this.startRecognition(format),
      send: (text) => stream?.sendText(text) ?? false,
      ...(mode === 'ADAPTIVE' || mode === 'SMART_TURN' ? { adaptiveDelay: this.silence(mode) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(this.options.pingIntervalMs === undefined ? {} : { pingIntervalMs: this.options.pingIntervalMs }),
    });
    stream = createWebSocketSTTStream(adapter, {
      ...options,
      ...(this.options.inactivityTimeoutMs === undefined ? {} : { inactivityTimeoutMs: this.options.inactivityTimeoutMs }),
    });
    return stream;
  }

  async warmup(): Promise<void> {
    await warmUpWebSocket({
      provider: this.key,
      apiKeyEnv: 'SPEECHMATICS_API_KEY',
      request: () => ({ url: this.baseUrl, headers: { authorization: `Bearer ${this.apiKey}` } }),
    });
  }

  /** The `StartRecognition` message for a stream in `format`. */
  startRecognition(format: AudioFormat): Record<string, unknown> {
    const o = this.options;
    const config: Record<string, unknown> = {
      language: o.language ?? DEFAULTS.language,
      model: o.model ?? DEFAULTS.model,
      enable_partials: o.enablePartials ?? DEFAULTS.enablePartials,
      max_delay: o.maxDelay ?? DEFAULTS.maxDelay,
      max_delay_mode: o.maxDelayMode ?? DEFAULTS.maxDelayMode,
      diarization: o.diarization ? 'speaker' : 'none',
    };
    if (o.diarization && o.maxSpeakers !== undefined) config.speaker_diarization_config = { max_speakers: o.maxSpeakers };
    if (this.turnDetection === 'FIXED') {
      config.conversation_config = { end_of_utterance_silence_trigger: this.silence('FIXED') };
    }
    if (o.additionalVocab?.length) {
      config.additional_vocab = o.additionalVocab.map((v) =>
        typeof v === 'string' ? v : { content: v.content, ...(v.soundsLike ? { sounds_like: v.soundsLike } : {}) },
      );
    }
    return {
      message: 'StartRecognition',
      audio_format: { type: 'raw', encoding: format.encoding === 'mulaw' ? 'mulaw' : 'pcm_s16le', sample_rate: format.sampleRate },
      transcription_config: config,
    };
  }

  private silence(mode: keyof typeof DEFAULTS.endOfUtteranceSilence): number {
    return this.options.endOfUtteranceSilence ?? DEFAULTS.endOfUtteranceSilence[mode];
  }
}
