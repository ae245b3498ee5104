import {
  ConfigError,
  PCM16_16K,
  PCM16_24K,
  PCM16_8K,
  ProviderError,
  type AudioFormat,
  type STTProvider,
  type STTStream,
  type STTStreamOptions,
} from '@patter/core';
import {
  BufferedSTTStream,
  audioFormData,
  header,
  httpRequest,
  joinUrl,
  normalizeBaseUrl,
  readJsonBody,
  readSSE,
  typedBody,
  resolveApiKey,
  warmUpHttp,
  type BufferedTranscriptionEvent,
  type BufferedUtterance,
  type BufferedSTTTuning,
  rejectUnknownOptions,
} from '@patter/core/plugin';

export interface OpenAITranscribeSTTOptions extends BufferedSTTTuning {
  /** Default: the `OPENAI_API_KEY` environment variable. */
  readonly apiKey?: string;
  /** Default `gpt-4o-transcribe`. `whisper-1` is refused: use `@patter/whisper`. */
  readonly model?: 'gpt-4o-transcribe' | 'gpt-4o-mini-transcribe' | (string & {});
  /** ISO-639-1 code. Default `en`. */
  readonly language?: string;
  /** Context or vocabulary hint (names, spellings), in the audio's language. */
  readonly prompt?: string;
  /** Stream the text as it is decoded (`stream=true`, server-sent events): interims, then the final. Default true. */
  readonly stream?: boolean;
  /** Default `https://api.openai.com/v1`. */
  readonly baseUrl?: string;
  /** Time to the response headers per request. Default 15 s. */
  readonly timeoutMs?: number;
}

/** Every option name, for the unknown-option check (`satisfies` keeps the list complete). */
const OPTION_NAMES: ReadonlySet<string> = new Set(
  Object.keys({
    apiKey: true, model: true, language: true, prompt: true, stream: true, baseUrl: true,
    timeoutMs: true, minVoicedMs: true, maxUtteranceMs: true, filter: true, closeTimeoutMs: true,
    vadThreshold: true, preRollMs: true, tailMs: true,
  } satisfies Record<keyof OpenAITranscribeSTTOptions, true>),
);

export const DEFAULTS = {
  model: 'gpt-4o-transcribe',
  language: 'en',
  stream: true,
  baseUrl: 'https://api.openai.com/v1',
  timeoutMs: 15_000,
} as const;

const KEY = 'openai_transcribe';
const API_KEY_ENV = 'OPENAI_API_KEY';

interface TranscriptEvent {
  readonly type?: unknown;
  readonly delta?: unknown;
  readonly text?: unknown;
  readonly error?: { readonly message?: unknown };
}

/**
 * OpenAI's gpt-4o transcription models as buffered STT: the caller's utterance is buffered
 * and posted as a WAV to `/audio/transcriptions` at the end of the turn (`finalize()` or
 * `close()`); with `stream` (default) the decoded text arrives as interims, then one final.
 * Never posts silence; drops known hallucinations.
 *
 * @example
 * ```ts
 * import * as openaiTranscribe from '@patter/openai-transcribe';
 * phone.agent({ stt: openaiTranscribe.STT({ model: 'gpt-4o-mini-transcribe' }), llm, tts });
 * ```
 */
export class OpenAITranscribeSTT implements STTProvider {
  readonly key = KEY;
  readonly inputFormats: readonly AudioFormat[] = [PCM16_16K, PCM16_8K, PCM16_24K];
  /** Transcribes only on `finalize()`: the session's voice detection ends the turn. */
  readonly endpointing = false;
  readonly model: string;
  private readonly apiKey: string;
  private readonly baseUrl: string;

  constructor(private readonly options: OpenAITranscribeSTTOptions = {}) {
    rejectUnknownOptions(options, OPTION_NAMES, 'OpenAI transcribe option');
    this.model = options.model ?? DEFAULTS.model;
    if (this.model === 'whisper-1') {
      throw new ConfigError('model', 'whisper-1 is served by @patter/whisper (it neither streams nor takes this request shape)');
    }
    this.apiKey = resolveApiKey(options.apiKey, API_KEY_ENV);
    this.baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl);
  }

  stream(options: STTStreamOptions): STTStream {
    return new BufferedSTTStream({ ...options, provider: KEY, tuning: this.options, transcribe: (u) => this.transcribe(u) });
  }

  async warmup(): Promise<void> {
    await warmUpHttp(joinUrl(this.baseUrl, '/models'), { provider: KEY, headers: { authorization: `Bearer ${this.apiKey}` } });
  }

  private async *transcribe(utterance: BufferedUtterance): AsyncGenerator<BufferedTranscriptionEvent> {
    const stream = this.options.stream ?? DEFAULTS.stream;
    const response = await httpRequest(joinUrl(this.baseUrl, '/audio/transcriptions'), {
      provider: KEY,
      headers: { authorization: `Bearer ${this.apiKey}` },
      body: audioFormData(utterance.wav, {
        model: this.model,
        language: this.options.language ?? DEFAULTS.language,
        prompt: this.options.prompt,
        response_format: 'json',
        stream: stream ? 'true' : undefined,
      }),
      signal: utterance.signal,
      timeoutMs: this.options.timeoutMs ?? DEFAULTS.timeoutMs,
      apiKeyEnv: API_KEY_ENV,
    });
    if (!header(response.headers, 'content-type')?.startsWith('text/event-stream')) {
      const result = await readJsonBody<{ text?: unknown }>(response, KEY);
      yield { type: 'final', text: typeof result.text === 'string' ? result.text : '' };
      return;
    }
    for await (const { data } of readSSE(typedBody(response.body, KEY))) {
      if (data === '[DONE]') return;
      let event: TranscriptEvent;
      try {
        event = JSON.parse(data) as TranscriptEvent;
      } catch {
        utterance.logger.warn({ bytes: data.length }, 'malformed transcription event skipped');
        continue;
      }
      if (event.error) throw new ProviderError(KEY, 'transcription failed mid-stream', { retryable: true, body: event.error });
      if (event.type === 'transcript.text.delta' && typeof event.delta === 'string') yield { type: 'delta', text: event.delta };
      else if (event.type === 'transcript.text.done' && typeof event.text === 'string') {
        yield { type: 'final', text: event.text };
        return;
      }
    }
  }
}
