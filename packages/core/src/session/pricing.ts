/**
 * Unit prices in USD. Each usage field a provider reports is multiplied by its rate:
 * `audioSeconds` (per minute), `characters` (per thousand), tokens (per million),
 * `callSeconds` (telephony, per minute).
 */
export interface ProviderPrice {
  readonly perAudioMinute?: number;
  readonly perThousandCharacters?: number;
  readonly perMillionInputTokens?: number;
  readonly perMillionOutputTokens?: number;
  readonly perMillionCachedInputTokens?: number;
  readonly perMillionInputAudioTokens?: number;
  readonly perMillionOutputAudioTokens?: number;
  readonly perCallMinute?: number;
}

/** Prices by provider key, or by `key:model` for a model-specific price (checked first). */
export type PricingTable = Readonly<Record<string, ProviderPrice>>;

/**
 * List prices as published in 2025 for the default models, rounded: an estimate, not an
 * invoice. Override any entry with the agent's `pricing` option.
 */
export const DEFAULT_PRICING: PricingTable = {
  deepgram: { perAudioMinute: 0.0077 },
  assemblyai: { perAudioMinute: 0.0025 },
  soniox: { perAudioMinute: 0.002 },
  speechmatics: { perAudioMinute: 0.004 },
  whisper: { perAudioMinute: 0.006 },
  openai_transcribe: { perAudioMinute: 0.006 },
  elevenlabs: { perThousandCharacters: 0.1 },
  elevenlabs_ws: { perThousandCharacters: 0.1 },
  cartesia: { perThousandCharacters: 0.03 },
  cartesia_tts: { perThousandCharacters: 0.03 },
  lmnt: { perThousandCharacters: 0.05 },
  rime: { perThousandCharacters: 0.03 },
  inworld: { perThousandCharacters: 0.01 },
  openai_tts: { perThousandCharacters: 0.015 },
  openai: { perMillionInputTokens: 0.15, perMillionOutputTokens: 0.6, perMillionCachedInputTokens: 0.075 },
  'openai:gpt-4o': { perMillionInputTokens: 2.5, perMillionOutputTokens: 10, perMillionCachedInputTokens: 1.25 },
  'openai:gpt-4.1': { perMillionInputTokens: 2, perMillionOutputTokens: 8, perMillionCachedInputTokens: 0.5 },
  'openai:gpt-4.1-mini': { perMillionInputTokens: 0.4, perMillionOutputTokens: 1.6, perMillionCachedInputTokens: 0.1 },
  anthropic: { perMillionInputTokens: 0.8, perMillionOutputTokens: 4, perMillionCachedInputTokens: 0.08 },
  'anthropic:claude-sonnet-4-5': { perMillionInputTokens: 3, perMillionOutputTokens: 15, perMillionCachedInputTokens: 0.3 },
  openai_realtime: {
    perMillionInputTokens: 0.6,
    perMillionOutputTokens: 2.4,
    perMillionInputAudioTokens: 10,
    perMillionOutputAudioTokens: 20,
  },
  openai_realtime_2: {
    perMillionInputTokens: 4,
    perMillionOutputTokens: 24,
    perMillionInputAudioTokens: 32,
    perMillionOutputAudioTokens: 64,
  },
  elevenlabs_rest: { perThousandCharacters: 0.1 },
  twilio: { perCallMinute: 0.014 },
  telnyx: { perCallMinute: 0.007 },
};

/**
 * The agent's `pricing` over the defaults. Overriding a provider key replaces its default
 * model-specific prices too (`openai` set by the user wins over the default `openai:gpt-4o`),
 * unless the user also gives that `key:model` entry.
 */
export function withDefaultPricing(overrides: PricingTable = {}): PricingTable {
  const table: Record<string, ProviderPrice> = {};
  for (const [key, price] of Object.entries(DEFAULT_PRICING)) {
    const colon = key.indexOf(':');
    if (colon > 0 && overrides[key.slice(0, colon)] !== undefined) continue;
    table[key] = price;
  }
  return { ...table, ...overrides };
}

const RATES: readonly (readonly [string, keyof ProviderPrice, number])[] = [
  ['audioSeconds', 'perAudioMinute', 1 / 60],
  ['characters', 'perThousandCharacters', 1 / 1000],
  ['inputTokens', 'perMillionInputTokens', 1 / 1e6],
  ['outputTokens', 'perMillionOutputTokens', 1 / 1e6],
  ['cachedInputTokens', 'perMillionCachedInputTokens', 1 / 1e6],
  ['inputAudioTokens', 'perMillionInputAudioTokens', 1 / 1e6],
  ['outputAudioTokens', 'perMillionOutputAudioTokens', 1 / 1e6],
  ['callSeconds', 'perCallMinute', 1 / 60],
];

/**
 * Cost by provider key. `models` maps a key to its model id for `key:model` prices. Cached
 * input tokens are billed at the cached rate and not again as input. Unpriced keys are omitted.
 */
export function estimateCost(
  usage: Readonly<Record<string, Readonly<Record<string, number>>>>,
  pricing: PricingTable = DEFAULT_PRICING,
  models: Readonly<Record<string, string>> = {},
): Record<string, number> {
  const cost: Record<string, number> = {};
  for (const [key, fields] of Object.entries(usage)) {
    const model = models[key];
    const price = (model !== undefined ? pricing[`${key}:${model}`] : undefined) ?? pricing[key];
    if (!price) continue;
    let total = 0;
    for (const [field, rate, scale] of RATES) {
      let amount = fields[field] ?? 0;
      if (field === 'inputTokens' && price.perMillionCachedInputTokens !== undefined) {
        amount -= fields.cachedInputTokens ?? 0;
      }
      total += Math.max(0, amount) * scale * (price[rate] ?? 0);
    }
    cost[key] = Math.round(total * 1e6) / 1e6;
  }
  return cost;
}
