import type { AudioFormat } from '../audio/audio-format.js';
import { ConfigError } from '../errors/config-error.js';
import type { STTProvider, STTStream, STTStreamOptions } from '../stt/stt-provider.js';
import { commonFormats } from './common-formats.js';
import type { FallbackOptions } from './fallback-options.js';
import { FallbackSTTStream } from './fallback-stt-stream.js';
import { ProviderHealth } from './provider-health.js';

/**
 * An STT that tries its members in order: when the serving member fails (connection error, auth
 * error, timeout or 5xx — after its own reconnects gave up), the call's stream reopens on the
 * next member and replays the audio since the last final transcript, so no words are lost.
 * `inputFormats` are the formats all members accept; `key` is the first member's. Endpointing
 * is claimed only if every member has it.
 *
 * @example
 * phone.agent({ stt: new FallbackSTT([deepgram.STT(), assemblyai.STT()]), llm, tts });
 */
export class FallbackSTT implements STTProvider {
  readonly key: string;
  readonly inputFormats: readonly AudioFormat[];
  readonly endpointing?: boolean;
  readonly providers: readonly STTProvider[];
  private readonly health: ProviderHealth<STTProvider>;

  constructor(providers: readonly STTProvider[], options: FallbackOptions<STTProvider> = {}) {
    const first = providers[0];
    if (first === undefined) throw new ConfigError('providers', 'FallbackSTT needs at least one STT');
    this.providers = [...providers];
    this.key = first.key;
    this.inputFormats = commonFormats(this.providers.map((p) => p.inputFormats), 'STT');
    if (this.providers.some((p) => p.endpointing === false)) this.endpointing = false;
    this.health = new ProviderHealth(this.providers, options);
  }

  stream(options: STTStreamOptions): STTStream {
    return new FallbackSTTStream(this.health, options);
  }

  async warmup(): Promise<void> {
    await Promise.all(this.providers.map((p) => p.warmup?.()));
  }

  /** Stops the background probes. */
  close(): Promise<void> {
    this.health.close();
    return Promise.resolve();
  }

  isHealthy(provider: STTProvider): boolean {
    return this.health.isHealthy(provider);
  }
}
