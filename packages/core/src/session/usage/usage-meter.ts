import { estimateCost } from './pricing.js';
import type { PricingTable } from '../../registry/provider-price.js';

/**
 * Adds up one call's usage by provider key (audio seconds, characters, tokens …). `onChange`
 * runs after each change (a TTS request's characters, an LLM response's tokens …: never per
 * audio frame).
 */
export class UsageMeter {
  private readonly usage: Record<string, Record<string, number>> = {};
  private readonly models: Record<string, string> = {};

  constructor(private readonly onChange: () => void = () => {}) {}

  add(key: string, field: string, amount: number): void {
    if (!Number.isFinite(amount) || amount === 0) return;
    const fields = (this.usage[key] ??= {});
    fields[field] = (fields[field] ?? 0) + amount;
    this.onChange();
  }

  /** Sets a field to a running total the provider reports (STT audio seconds). */
  set(key: string, field: string, amount: number): void {
    if (!Number.isFinite(amount)) return;
    const fields = (this.usage[key] ??= {});
    if (fields[field] === amount) return;
    fields[field] = amount;
    this.onChange();
  }

  setModel(key: string, model: string): void {
    this.models[key] = model;
  }

  snapshot(): Record<string, Record<string, number>> {
    const copy: Record<string, Record<string, number>> = {};
    for (const [key, fields] of Object.entries(this.usage)) copy[key] = { ...fields };
    return copy;
  }

  cost(pricing: PricingTable): Record<string, number> {
    return estimateCost(this.usage, pricing, this.models);
  }
}
