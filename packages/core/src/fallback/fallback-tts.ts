import type { AudioFormat } from '../audio/audio-format.js';
import { ConfigError } from '../errors/config-error.js';
import type { TTSProvider, TTSSynthesizeOptions } from '../tts/tts-provider.js';
import { commonFormats } from './common-formats.js';
import type { FallbackOptions } from './fallback-options.js';
import { ProviderHealth } from './provider-health.js';
import { shouldFailOver } from './should-fail-over.js';

/**
 * A TTS that tries its members in order: the next takes over on a connection error, auth error,
 * timeout or 5xx. Before any audio the sentence simply moves on. After some audio was yielded,
 * the next member synthesizes the same sentence and the audio already yielded is skipped by
 * duration (the same byte count: every member produces the same format), so the caller hears the
 * rest of the sentence, in the other voice, from about where it broke off, and nothing twice.
 * `outputFormats` are the formats all members share; `key` is the first member's.
 *
 * @example
 * phone.agent({ tts: new FallbackTTS([elevenlabs.TTS(), cartesia.TTS()]), stt, llm });
 */
export class FallbackTTS implements TTSProvider {
  readonly key: string;
  readonly outputFormats: readonly AudioFormat[];
  readonly providers: readonly TTSProvider[];
  private readonly health: ProviderHealth<TTSProvider>;

  constructor(providers: readonly TTSProvider[], options: FallbackOptions<TTSProvider> = {}) {
    const first = providers[0];
    if (first === undefined) throw new ConfigError('providers', 'FallbackTTS needs at least one TTS');
    this.providers = [...providers];
    this.key = first.key;
    this.outputFormats = commonFormats(this.providers.map((p) => p.outputFormats), 'TTS');
    this.health = new ProviderHealth(this.providers, options);
  }

  async *synthesize(text: string, options: TTSSynthesizeOptions = {}): AsyncIterable<Uint8Array> {
    const { logger, callId, signal } = options;
    const format = options.format ?? (this.outputFormats[0] as AudioFormat);
    const request = { ...options, format };
    /** Bytes already yielded: skipped from the next member's audio. */
    let yielded = 0;
    let lastError: unknown;
    for (const provider of this.health.order()) {
      let skip = yielded;
      let served = false;
      try {
        for await (const chunk of provider.synthesize(text, request)) {
          if (!served) {
            served = true;
            logger?.debug({ callId, provider: provider.key, resumedAtBytes: yielded }, 'fallback: tts provider serving the sentence');
          }
          if (skip >= chunk.length) {
            skip -= chunk.length;
            continue;
          }
          const rest = skip > 0 ? chunk.subarray(skip) : chunk;
          skip = 0;
          yielded += rest.length;
          yield rest;
        }
        this.health.markServed(provider);
        return;
      } catch (error) {
        if (!shouldFailOver(error, signal)) throw error;
        lastError = error;
        logger?.warn({ callId, provider: provider.key, err: error, afterAudio: yielded > 0 }, 'fallback: tts provider failed, trying the next');
        this.health.markFailed(provider, logger);
      }
    }
    throw lastError;
  }

  async warmup(): Promise<void> {
    await Promise.all(this.providers.map((p) => p.warmup?.()));
  }

  /** Stops the background probes and closes every member. */
  async close(): Promise<void> {
    this.health.close();
    await Promise.all(this.providers.map((p) => p.close?.()));
  }

  isHealthy(provider: TTSProvider): boolean {
    return this.health.isHealthy(provider);
  }
}
