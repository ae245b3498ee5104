import { registry } from '@patter/core';
import { definePlugin } from '@patter/core/plugin';
import { OpenAITTS, type OpenAITTSOptions } from './openai-tts.js';
import { OpenAILLM, type OpenAILLMOptions } from './openai-llm.js';

// LLM
export { OpenAILLM, DEFAULTS as LLM_DEFAULTS, type OpenAILLMOptions } from './openai-llm.js';

/** `import * as openai from '@patter/openai'; openai.LLM({ model: 'gpt-4o-mini' })`. */
export const LLM = (options?: OpenAILLMOptions): OpenAILLM => new OpenAILLM(options);

// TTS
export { OpenAITTS, type OpenAITTSOptions, type OpenAITTSModel, type OpenAITTSVoice } from './openai-tts.js';

/** `import * as openai from '@patter/openai'; openai.TTS({ voice: 'alloy' })`. */
export const TTS = (options?: OpenAITTSOptions): OpenAITTS => new OpenAITTS(options);

// Registration
export const openaiPlugin = definePlugin({
  name: '@patter/openai',
  providers: [
    {
      kind: 'llm', key: 'openai', create: (o) => new OpenAILLM(o as OpenAILLMOptions), env: ['OPENAI_API_KEY'],
      price: { perMillionInputTokens: 0.15, perMillionOutputTokens: 0.6, perMillionCachedInputTokens: 0.075 },
      modelPrices: {
        'gpt-4o': { perMillionInputTokens: 2.5, perMillionOutputTokens: 10, perMillionCachedInputTokens: 1.25 },
        'gpt-4.1': { perMillionInputTokens: 2, perMillionOutputTokens: 8, perMillionCachedInputTokens: 0.5 },
        'gpt-4.1-mini': { perMillionInputTokens: 0.4, perMillionOutputTokens: 1.6, perMillionCachedInputTokens: 0.1 },
      },
    },
    {
      kind: 'tts', key: 'openai_tts', create: (o) => new OpenAITTS(o as OpenAITTSOptions), env: ['OPENAI_API_KEY'],
      price: { perThousandCharacters: 0.015 },
    },
  ],
});
registry.register(openaiPlugin);
