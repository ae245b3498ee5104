import { registry } from '@patter/core';
import { definePlugin } from '@patter/core/plugin';
import { AnthropicLLM, type AnthropicLLMOptions } from './anthropic-llm.js';

export { AnthropicLLM, DEFAULTS, type AnthropicLLMOptions } from './anthropic-llm.js';

/** `import * as anthropic from '@patter/anthropic'; anthropic.LLM()`. */
export const LLM = (options?: AnthropicLLMOptions): AnthropicLLM => new AnthropicLLM(options);

export const anthropicPlugin = definePlugin({
  name: '@patter/anthropic',
  providers: [
    {
      kind: 'llm', key: 'anthropic', create: (o) => new AnthropicLLM(o as AnthropicLLMOptions), env: ['ANTHROPIC_API_KEY'],
      price: { perMillionInputTokens: 0.8, perMillionOutputTokens: 4, perMillionCachedInputTokens: 0.08 },
      modelPrices: { 'claude-sonnet-4-5': { perMillionInputTokens: 3, perMillionOutputTokens: 15, perMillionCachedInputTokens: 0.3 } },
    },
  ],
});
registry.register(anthropicPlugin);
