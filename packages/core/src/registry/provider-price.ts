/**
 * Unit prices in USD. Each usage field a provider reports is multiplied by its rate:
 * `audioSeconds` (per minute), `characters` (per thousand), tokens (per million),
 * `callSeconds` (telephony, or an engine billed by the minute of call, per minute).
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
