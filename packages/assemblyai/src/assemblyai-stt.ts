import {
  ConfigError,
  MULAW_8K,
  PCM16_16K,
  PCM16_8K,
  createConsoleLogger,
  type AudioFormat,
  type Logger,
  type STTProvider,
  type STTStream,
  type STTStreamOptions,
} from '@patter/core';
import {
  createWebSocketSTTStream,
  describeFormat,
  joinUrl,
  normalizeBaseUrl,
  resolveApiKey,
  toWebSocketUrl,
  warmUpWebSocket,
  type QueryValue,
  rejectUnknownOptions,
} from '@patter/core/plugin';
import { assemblyAIAdapter } from './assemblyai-adapter.js';

export type AssemblyAIModel =
  | 'universal-streaming-english'
  | 'universal-streaming-multilingual'
  | 'u3-rt-pro'
  | 'whisper-rt'
  | (string & {});

/** Turn-detection settings that `updateConfiguration` can change mid-call. */
export interface AssemblyAITurnConfig {
  /** 0–1; default (vendor) 0.4. */
  readonly endOfTurnConfidenceThreshold?: number;
  /** ms of silence before a confident end of turn; vendor default 400. */
  readonly minTurnSilenceMs?: number;
  /** ms of silence that forces the end of turn; vendor default 1280. */
  readonly maxTurnSilenceMs?: number;
  readonly vadThreshold?: number;
  /** Words to boost (≤ 100, each ≤ 50 characters). */
  readonly keyterms?: readonly string[];
  readonly formatTurns?: boolean;
}

export interface AssemblyAISTTOptions extends AssemblyAITurnConfig {
  /** Default: the `ASSEMBLYAI_API_KEY` environment variable. */
  readonly apiKey?: string;
  readonly model?: AssemblyAIModel;
  /**
   * Not sent: the v3 models decide the language (`universal-streaming-english` is English only;
   * use `universal-streaming-multilingual` otherwise). Setting it logs a warning.
   */
  readonly language?: string;
  readonly languageDetection?: boolean;
  /** `wss://streaming.assemblyai.com` or `wss://streaming.eu.assemblyai.com`, a proxy, a fake. */
  readonly baseUrl?: string;
  readonly inputFormats?: readonly AudioFormat[];
  readonly logger?: Logger;
  /**
   * A socket that sends nothing for this long while audio flows to it is dropped with a warning
   * naming the provider and reconnected, replaying the unanswered audio. Default off (0): this
   * vendor may rightly send nothing through a long silence.
   */
  readonly inactivityTimeoutMs?: number;
}

/** Every option name, for the unknown-option check (`satisfies` keeps the list complete). */
const OPTION_NAMES: ReadonlySet<string> = new Set(
  Object.keys({
    apiKey: true, model: true, language: true, languageDetection: true, baseUrl: true,
    inputFormats: true, logger: true, inactivityTimeoutMs: true,
    endOfTurnConfidenceThreshold: true, minTurnSilenceMs: true, maxTurnSilenceMs: true,
    vadThreshold: true, keyterms: true, formatTurns: true,
  } satisfies Record<keyof AssemblyAISTTOptions, true>),
);

export const DEFAULTS = {
  model: 'universal-streaming-english',
  baseUrl: 'wss://streaming.assemblyai.com',
  inputFormats: [PCM16_16K, MULAW_8K, PCM16_8K],
} as const;

/** A stream that can also change turn detection mid-call. */
export interface AssemblyAISTTStream extends STTStream {
  /** Sends `UpdateConfiguration` now and keeps the values for a reconnect. */
  updateConfiguration(config: AssemblyAITurnConfig): void;
}

/**
 * AssemblyAI Universal Streaming (v3 WebSocket). 20 ms carrier frames are coalesced to ≥ 50 ms
 * messages, μ-law 8 kHz is passed through, and a 3005/3008 close reconnects once.
 *
 * @example
 * import * as assemblyai from '@patter/assemblyai';
 * phone.agent({ stt: assemblyai.STT(), llm, tts });
 */
export class AssemblyAISTT implements STTProvider {
  readonly key = 'assemblyai';
  /** The model requests use (labels metrics and traces). */
  readonly model: string;
  readonly inputFormats: readonly AudioFormat[];
  private readonly apiKey: string;
  private readonly baseUrl: string;

  constructor(private readonly options: AssemblyAISTTOptions = {}) {
    rejectUnknownOptions(options, OPTION_NAMES, 'AssemblyAI option');
    this.apiKey = resolveApiKey(options.apiKey, 'ASSEMBLYAI_API_KEY');
    this.model = options.model ?? DEFAULTS.model;
    this.baseUrl = toWebSocketUrl(normalizeBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl));
    this.inputFormats = options.inputFormats ?? DEFAULTS.inputFormats;
    for (const format of this.inputFormats) encodingOf(format);
    validateTurnConfig(options);
    if (options.language !== undefined) {
      (options.logger ?? createConsoleLogger()).warn(
        { option: 'language', model: options.model ?? DEFAULTS.model },
        'assemblyai ignores language: the speech model decides (use universal-streaming-multilingual for non-English)',
      );
    }
  }

  /** Pinned to Twilio's μ-law 8 kHz (`pcm_mulaw`): carrier audio goes through untouched. */
  static forTwilio(options: AssemblyAISTTOptions = {}): AssemblyAISTT {
    return new AssemblyAISTT({ ...options, inputFormats: [MULAW_8K] });
  }

  /** The `/v3/ws` URL for `format` and a turn configuration. */
  url(format: AudioFormat, turn: AssemblyAITurnConfig = this.options): string {
    const query: Record<string, QueryValue> = {
      sample_rate: format.sampleRate,
      encoding: encodingOf(format),
      speech_model: this.options.model ?? DEFAULTS.model,
      format_turns: turn.formatTurns,
      end_of_turn_confidence_threshold: turn.endOfTurnConfidenceThreshold,
      min_turn_silence: turn.minTurnSilenceMs,
      max_turn_silence: turn.maxTurnSilenceMs,
      vad_threshold: turn.vadThreshold,
      keyterms_prompt: turn.keyterms && turn.keyterms.length > 0 ? JSON.stringify(turn.keyterms) : undefined,
      language_detection: this.options.languageDetection,
    };
    return joinUrl(this.baseUrl, '/v3/ws', query);
  }

  stream(options: STTStreamOptions): AssemblyAISTTStream {
    let turn: AssemblyAITurnConfig = pickTurn(this.options);
    encodingOf(options.format); // a wrong format fails here, before anything opens
    const logger = options.logger ?? this.options.logger;
    const inner = createWebSocketSTTStream(
      assemblyAIAdapter({
        url: () => this.url(options.format, turn),
        apiKey: this.apiKey,
        formatTurns: () => turn.formatTurns === true,
      }),
      { ...options, ...(logger ? { logger } : {}), ...(this.options.inactivityTimeoutMs === undefined ? {} : { inactivityTimeoutMs: this.options.inactivityTimeoutMs }), },
    );
    return {
      sendAudio: (audio) => inner.sendAudio(audio),
      transcripts: () => inner.transcripts(),
      finalize: () => inner.finalize(),
      close: () => inner.close(),
      usage: () => inner.usage(),
      updateConfiguration: (patch) => {
        validateTurnConfig(patch);
        turn = { ...turn, ...patch };
        inner.sendText(JSON.stringify({ type: 'UpdateConfiguration', ...updatePayload(patch) }));
      },
    };
  }

  /** Opens and closes one connection so DNS/TLS are warm. Never throws. */
  async warmup(): Promise<void> {
    const format = this.inputFormats[0] ?? PCM16_16K;
    const adapter = assemblyAIAdapter({ url: () => this.url(format), apiKey: this.apiKey, formatTurns: () => false });
    await warmUpWebSocket(adapter, this.options.logger ? { logger: this.options.logger } : {});
  }
}

function encodingOf(format: AudioFormat): string {
  if (format.encoding === 'pcm16') return 'pcm_s16le';
  if (format.encoding === 'mulaw') return 'pcm_mulaw';
  throw new ConfigError('format', `AssemblyAI cannot take ${describeFormat(format)}`);
}

function pickTurn(o: AssemblyAITurnConfig): AssemblyAITurnConfig {
  const { endOfTurnConfidenceThreshold, minTurnSilenceMs, maxTurnSilenceMs, vadThreshold, keyterms, formatTurns } = o;
  return { endOfTurnConfidenceThreshold, minTurnSilenceMs, maxTurnSilenceMs, vadThreshold, keyterms, formatTurns } as AssemblyAITurnConfig;
}

/** `UpdateConfiguration` fields; `keyterms_prompt` is a real JSON array here (the spec), `[]` clears. */
function updatePayload(p: AssemblyAITurnConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (p.keyterms !== undefined) out.keyterms_prompt = [...p.keyterms];
  if (p.minTurnSilenceMs !== undefined) out.min_turn_silence = p.minTurnSilenceMs;
  if (p.maxTurnSilenceMs !== undefined) out.max_turn_silence = p.maxTurnSilenceMs;
  if (p.endOfTurnConfidenceThreshold !== undefined) out.end_of_turn_confidence_threshold = p.endOfTurnConfidenceThreshold;
  if (p.vadThreshold !== undefined) out.vad_threshold = p.vadThreshold;
  if (p.formatTurns !== undefined) out.format_turns = p.formatTurns;
  return out;
}

function validateTurnConfig(o: AssemblyAITurnConfig): void {
  for (const name of ['endOfTurnConfidenceThreshold', 'vadThreshold'] as const) {
    const v = o[name];
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new ConfigError(name, `must be between 0 and 1, got ${v}`);
  }
  for (const name of ['minTurnSilenceMs', 'maxTurnSilenceMs'] as const) {
    const v = o[name];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new ConfigError(name, `must be a non-negative integer, got ${v}`);
  }
  if (o.keyterms && (o.keyterms.length > 100 || o.keyterms.some((k) => k.length > 50))) {
    throw new ConfigError('keyterms', 'at most 100 terms of at most 50 characters each');
  }
}
