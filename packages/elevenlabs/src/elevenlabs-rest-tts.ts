import {
  createConsoleLogger,
  type AudioFormat,
  type Logger,
  type TTSProvider,
  type TTSSynthesizeOptions,
} from '@patter/core';
import {
  joinUrl,
  resolveOutputFormat,
  streamHttpTTS,
  warmUpHttp,
} from '@patter/core/plugin';
import { toElevenLabsFormat } from './elevenlabs-format.js';
import { ENV, resolveTTSOptions, type ElevenLabsTTSOptions, type ResolvedTTSOptions } from './elevenlabs-tts-options.js';

const KEY = 'elevenlabs_rest';

export interface ElevenLabsRestTTSOptions extends ElevenLabsTTSOptions {
  /** Retries of a 429/5xx before the first audio byte. Default 2. */
  readonly maxRetries?: number;
}

/**
 * ElevenLabs text-to-speech over HTTP streaming (`POST /v1/text-to-speech/{voice}/stream`):
 * the class for `eleven_v3` (not offered on the WebSocket) and for users who prefer HTTP.
 *
 * @example
 * ```ts
 * import * as elevenlabs from '@patter/elevenlabs';
 * phone.agent({ stt, llm, tts: elevenlabs.RestTTS({ model: 'eleven_v3' }) });
 * ```
 */
export class ElevenLabsRestTTS implements TTSProvider {
  readonly key = KEY;
  /** The model requests use (labels metrics and traces). */
  readonly model: string;
  readonly outputFormats: readonly AudioFormat[];
  private readonly options: ResolvedTTSOptions;
  private readonly maxRetries: number;
  private readonly logger: Logger;

  constructor(options: ElevenLabsRestTTSOptions = {}) {
    this.options = resolveTTSOptions(options);
    this.model = this.options.model;
    this.outputFormats = this.options.outputFormats;
    this.maxRetries = options.maxRetries ?? 2;
    this.logger = options.logger ?? createConsoleLogger();
  }

  static forTwilio(options: Omit<ElevenLabsRestTTSOptions, 'outputFormat'> = {}): ElevenLabsRestTTS {
    return new ElevenLabsRestTTS({ ...options, outputFormat: 'ulaw_8000' });
  }

  /** Pins what a Telnyx stream plays (`codec`: the Telnyx carrier's, PCMU by default): `ulaw_8000` or `alaw_8000`. */
  static forTelnyx(options: Omit<ElevenLabsRestTTSOptions, 'outputFormat'> & { readonly codec?: 'PCMU' | 'PCMA' } = {}): ElevenLabsRestTTS {
    const { codec = 'PCMU', ...rest } = options;
    return new ElevenLabsRestTTS({ ...rest, outputFormat: codec === 'PCMA' ? 'alaw_8000' : 'ulaw_8000' });
  }

  async *synthesize(text: string, options: TTSSynthesizeOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    const format = resolveOutputFormat(KEY, this.outputFormats, options.format);
    if (text.trim() === '') return;
    const o = this.options;
    yield* streamHttpTTS({
      ...options, // signal, callId, onUsage: the caller's synthesis options
      provider: KEY,
      url: joinUrl(o.baseUrl, `/v1/text-to-speech/${encodeURIComponent(o.voiceId)}/stream`, {
        output_format: toElevenLabsFormat(format),
      }),
      headers: { 'xi-api-key': o.apiKey, accept: 'audio/*' },
      body: {
        text,
        model_id: o.model,
        ...(o.voiceSettings ? { voice_settings: o.voiceSettings } : {}),
        ...(o.languageCode ? { language_code: o.languageCode } : {}),
      },
      format,
      characters: text.length,
      apiKeyEnv: ENV,
      retries: this.maxRetries,
      idleTimeoutMs: o.idleTimeoutMs,
      logger: options.logger ?? this.logger,
    });
  }

  /** Opens a pooled connection to ElevenLabs (DNS, TCP, TLS). Never throws. */
  async warmup(): Promise<void> {
    await warmUpHttp(this.options.baseUrl, { provider: KEY, logger: this.logger });
  }
}
