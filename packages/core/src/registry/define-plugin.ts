import type { Carrier } from '../carrier/carrier.js';
import type { Engine } from '../engine/engine.js';
import type { LLMProvider } from '../llm/llm-provider.js';
import type { STTProvider } from '../stt/stt-provider.js';
import type { TTSProvider } from '../tts/tts-provider.js';
import type { VADProvider } from '../vad/vad-provider.js';
import type { ProviderPrice } from './provider-price.js';

/** What each kind of provider is. */
export interface ProviderKinds {
  stt: STTProvider;
  tts: TTSProvider;
  llm: LLMProvider;
  engine: Engine;
  carrier: Carrier;
  vad: VADProvider;
}

export type ProviderKind = keyof ProviderKinds;

/** One provider a plugin contributes: its kind, key, factory and the env vars it reads. */
export interface ProviderRegistration<K extends ProviderKind = ProviderKind> {
  readonly kind: K;
  /** The provider key (`deepgram`, `elevenlabs_ws` …). */
  readonly key: string;
  readonly create: (options: Record<string, unknown>) => ProviderKinds[K];
  /** Environment variables the provider reads (documentation, the CLI's `--help`). */
  readonly env?: readonly string[];
  /**
   * The vendor's list price for the default model (an estimate, not an invoice); core only
   * multiplies the usage recorded under this key by it. The agent's `pricing` overrides it.
   */
  readonly price?: ProviderPrice;
  /** Prices of other models, by model id (the usage's `key:model` entry). */
  readonly modelPrices?: Readonly<Record<string, ProviderPrice>>;
}

/** A plugin package's registration: its npm name and the providers it contributes. */
export interface Plugin {
  /** npm package name, e.g. `@patter/deepgram`. */
  readonly name: string;
  readonly providers: readonly ProviderRegistration[];
}

/** Declares a plugin; a typed identity so each provider's `kind` and factory line up. */
export function definePlugin(plugin: {
  readonly name: string;
  readonly providers: readonly { [K in ProviderKind]: ProviderRegistration<K> }[ProviderKind][];
}): Plugin {
  return plugin as Plugin;
}
