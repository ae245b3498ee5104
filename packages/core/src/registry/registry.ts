import { ConfigError } from '../errors/config-error.js';
import type { Plugin, ProviderKind, ProviderKinds, ProviderRegistration } from './define-plugin.js';
import type { PricingTable, ProviderPrice } from './provider-price.js';

/**
 * Providers by kind and key. Plugins register themselves when imported; registering the same
 * plugin again is a no-op, and a key registered by a different plugin replaces the old one
 * (the last import wins, so an app can override a built-in).
 */
export class Registry {
  private readonly providers = new Map<string, ProviderRegistration & { plugin: string }>();
  private readonly plugins = new Map<string, Plugin>();

  /**
   * Registers a plugin's providers, or one provider on its own
   * (`registry.register({ kind: 'stt', key: 'deepgram', create, env: ['DEEPGRAM_API_KEY'] })`,
   * recorded as the plugin `stt:deepgram`).
   */
  register(entry: Plugin | { [K in ProviderKind]: ProviderRegistration<K> }[ProviderKind]): void {
    const plugin: Plugin = 'providers' in entry ? entry : singleProvider(entry as ProviderRegistration);
    if (this.plugins.get(plugin.name) === plugin) return;
    this.plugins.set(plugin.name, plugin);
    for (const provider of plugin.providers) {
      this.providers.set(`${provider.kind}:${provider.key}`, { ...provider, plugin: plugin.name });
    }
  }

  has(kind: ProviderKind, key: string): boolean {
    return this.providers.has(`${kind}:${key}`);
  }

  /** Registered keys of a kind, sorted. */
  keys(kind: ProviderKind): string[] {
    const prefix = `${kind}:`;
    return [...this.providers.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)).sort();
  }

  /** The registration for `kind`/`key`, with its env vars. */
  describe(kind: ProviderKind, key: string): (ProviderRegistration & { plugin: string }) | undefined {
    return this.providers.get(`${kind}:${key}`);
  }

  create<K extends ProviderKind>(kind: K, key: string, options: Record<string, unknown> = {}): ProviderKinds[K] {
    const registration = this.providers.get(`${kind}:${key}`);
    if (!registration) throw unknownKey(kind, key, this.keys(kind), this.otherKind(kind, key));
    return registration.create(options) as ProviderKinds[K];
  }

  private otherKind(kind: ProviderKind, key: string): (ProviderRegistration & { plugin: string }) | undefined {
    for (const provider of this.providers.values()) if (provider.key === key && provider.kind !== kind) return provider;
    return undefined;
  }

  /**
   * The prices the registered providers carry, by key (`deepgram`) and `key:model`
   * (`openai:gpt-4o`): what a call's cost is estimated from, under the agent's `pricing`.
   */
  pricing(): PricingTable {
    const table: Record<string, ProviderPrice> = {};
    for (const provider of this.providers.values()) {
      if (provider.price !== undefined) table[provider.key] = provider.price;
      for (const [model, price] of Object.entries(provider.modelPrices ?? {})) table[`${provider.key}:${model}`] = price;
    }
    return table;
  }

  /** Forget everything (tests). */
  clear(): void {
    this.providers.clear();
    this.plugins.clear();
  }
}

/** One bare registration as a plugin object, cached so registering it twice is still a no-op. */
const singles = new WeakMap<ProviderRegistration, Plugin>();
function singleProvider(provider: ProviderRegistration): Plugin {
  let plugin = singles.get(provider);
  if (plugin === undefined) {
    plugin = { name: `${provider.kind}:${provider.key}`, providers: [provider] };
    singles.set(provider, plugin);
  }
  return plugin;
}

function unknownKey(
  kind: ProviderKind,
  key: string,
  known: string[],
  elsewhere: (ProviderRegistration & { plugin: string }) | undefined,
): ConfigError {
  // Core knows no package: a key another kind registered names its plugin; otherwise the plugin is not imported.
  const hint = elsewhere
    ? `"${key}" is a ${elsewhere.kind} provider of ${elsewhere.plugin}, not a ${kind} provider`
    : `no imported plugin registered it: install the plugin package that provides "${key}" and import it (e.g. \`import '@patter/<vendor>'\`) so it registers itself`;
  const list = known.length > 0 ? `; registered ${kind} keys: ${known.join(', ')}` : '';
  return new ConfigError(kind, `unknown ${kind} provider "${key}": ${hint}${list}`);
}

const GLOBAL_KEY = Symbol.for('patter.registry');

/**
 * The process-wide registry every plugin registers into. Kept on `globalThis`, so two copies of
 * `@patter/core` in one app still share one registry.
 */
export const registry: Registry = ((globalThis as Record<symbol, unknown>)[GLOBAL_KEY] as Registry | undefined) ??
  ((globalThis as Record<symbol, unknown>)[GLOBAL_KEY] = new Registry()) as Registry;

export const createSTT = (key: string, options?: Record<string, unknown>) => registry.create('stt', key, options);
export const createTTS = (key: string, options?: Record<string, unknown>) => registry.create('tts', key, options);
export const createLLM = (key: string, options?: Record<string, unknown>) => registry.create('llm', key, options);
export const createEngine = (key: string, options?: Record<string, unknown>) => registry.create('engine', key, options);
export const createCarrier = (key: string, options?: Record<string, unknown>) => registry.create('carrier', key, options);
export const createVAD = (key: string, options?: Record<string, unknown>) => registry.create('vad', key, options);
