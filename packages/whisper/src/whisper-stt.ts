import {
  ConfigError,
  PCM16_16K,
  PCM16_24K,
  PCM16_8K,
  type AudioFormat,
  type STTProvider,
  type STTStream,
  type STTStreamOptions,
} from '@patter/core';
import {
  BufferedSTTStream,
  audioFormData,
  httpRequest,
  joinUrl,
  normalizeBaseUrl,
  readJsonBody,
  resolveApiKey,
  warmUpHttp,
  type BufferedTranscriptionEvent,
  type BufferedUtterance,
  type BufferedSTTTuning,
  rejectUnknownOptions,
} from '@patter/core/plugin';

export interface WhisperSTTOptions extends BufferedSTTTuning {
  /** Default: the `OPENAI_API_KEY` environment variable. */
  readonly apiKey?: string;
  /** Default `whisper-1`. Any Whisper served behind an OpenAI-compatible API works (Groq `whisper-large-v3`). */
  readonly model?: 'whisper-1' | (string & {});
  /** ISO-639-1 code. Default `en`. */
  readonly language?: string;
  /** Context or vocabulary hint (names, spellings), in the audio's language. */
  readonly prompt?: string;
  /** 0–1. Default 0. */
  readonly temperature?: number;
  /** Default `https://api.openai.com/v1`. */
  readonly baseUrl?: string;
  /** Time to the response headers per request. Default 15 s. */
  readonly timeoutMs?: number;
}

/** Every option name, for the unknown-option check (`satisfies` keeps the list complete). */
const OPTION_NAMES: ReadonlySet<string> = new Set(
  Object.keys({
    apiKey: true, model: true, language: true, prompt: true, temperature: true, baseUrl: true,
    timeoutMs: true, minVoicedMs: true, maxUtteranceMs: true, filter: true, closeTimeoutMs: true,
    vadThreshold: true, preRollMs: true, tailMs: true,
  } satisfies Record<keyof WhisperSTTOptions, true>),
);

export const DEFAULTS = {
  model: 'whisper-1',
  language: 'en',
  temperature: 0,
  baseUrl: 'https://api.openai.com/v1',
  timeoutMs: 15_000,
} as const;

const KEY = 'whisper';
const API_KEY_ENV = 'OPENAI_API_KEY';

interface VerboseTranscription {
  readonly text?: unknown;
  readonly segments?: readonly { readonly avg_logprob?: number; readonly no_speech_prob?: number }[];
}

/**
 * OpenAI Whisper (`whisper-1`) as buffered STT: the caller's utterance is buffered and posted
 * as a WAV to `/audio/transcriptions` at the end of the turn (`finalize()` or `close()`). No
 * interims. Asks for `verbose_json` so each segment's no-speech probability feeds the
 * hallucination filter, and never posts silence.
 *
 * @example
 * ```ts
 * import * as whisper from '@patter/whisper';
 * phone.agent({ stt: whisper.STT({ language: 'en' }), llm, tts });
 * ```
 */
export class WhisperSTT implements STTProvider {
  readonly key = KEY;
  readonly inputFormats: readonly AudioFormat[] = [PCM16_16K, PCM16_8K, PCM16_24K];
  /** Transcribes only on `finalize()`: the session's voice detection ends the turn. */
  readonly endpointing = false;
  readonly model: string;
  private readonly apiKey: string;
  private readonly baseUrl: string;

  constructor(private readonly options: WhisperSTTOptions = {}) {
    rejectUnknownOptions(options, OPTION_NAMES, 'Whisper option');
    this.apiKey = resolveApiKey(options.apiKey, API_KEY_ENV);
    this.baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl);
    this.model = options.model ?? DEFAULTS.model;
    const temperature = options.temperature ?? DEFAULTS.temperature;
    if (!(temperature >= 0 && temperature <= 1)) throw new ConfigError('temperature', `must be between 0 and 1, got ${temperature}`);
  }

  stream(options: STTStreamOptions): STTStream {
    return new BufferedSTTStream({ ...options, provider: KEY, tuning: this.options, transcribe: (u) => this.transcribe(u) });
  }

  async warmup(): Promise<void> {
    await warmUpHttp(joinUrl(this.baseUrl, '/models'), { provider: KEY, headers: { authorization: `Bearer ${this.apiKey}` } });
  }

  private async *transcribe(utterance: BufferedUtterance): AsyncGenerator<BufferedTranscriptionEvent> {
    const body = audioFormData(utterance.wav, {
      model: this.model,
      language: this.options.language ?? DEFAULTS.language,
      prompt: this.options.prompt,
      temperature: this.options.temperature ?? DEFAULTS.temperature,
      response_format: 'verbose_json',
    });
    const response = await httpRequest(joinUrl(this.baseUrl, '/audio/transcriptions'), {
      provider: KEY,
      headers: { authorization: `Bearer ${this.apiKey}` },
      body,
      signal: utterance.signal,
      timeoutMs: this.options.timeoutMs ?? DEFAULTS.timeoutMs,
      apiKeyEnv: API_KEY_ENV,
    });
    const result = await readJsonBody<VerboseTranscription>(response, KEY);
    const segments = Array.isArray(result.segments) ? result.segments : [];
    const logprobs = segments.map((s) => s.avg_logprob).filter((p): p is number => typeof p === 'number');
    const noSpeech = segments.map((s) => s.no_speech_prob).filter((p): p is number => typeof p === 'number');
    yield {
      type: 'final',
      text: typeof result.text === 'string' ? result.text : '',
      ...(logprobs.length ? { confidence: logprobs.reduce((sum, p) => sum + Math.exp(p), 0) / logprobs.length } : {}),
      // The utterance was silence only if every segment was.
      ...(noSpeech.length ? { noSpeechProb: Math.min(...noSpeech) } : {}),
    };
  }
}
