import { registry } from '../../registry/registry.js';
import type { PricingTable, ProviderPrice } from '../../registry/provider-price.js';

/**
 * The prices the imported plugins registered (each provider's `price`, and `modelPrices` as
 * `key:model` entries) under the agent's `pricing`. Overriding a provider key replaces its
 * registered model-specific prices too (`openai` set by the user wins over a registered
 * `openai:gpt-4o`), unless the user also gives that `key:model` entry. Core holds no price.
 */
export function withDefaultPricing(overrides: PricingTable = {}, defaults: PricingTable = registry.pricing()): PricingTable {
  const table: Record<string, ProviderPrice> = {};
  for (const [key, price] of Object.entries(defaults)) {
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
  pricing: PricingTable = withDefaultPricing(),
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
