import { definePlugin, registry } from '@patter/core';
import { OpenAILLM, type OpenAILLMOptions } from './openai-llm.js';

// LLM
export { OpenAILLM, DEFAULTS as LLM_DEFAULTS, type OpenAILLMOptions } from './openai-llm.js';

/** `import * as openai from '@patter/openai'; openai.LLM({ model: 'gpt-4o-mini' })`. */
export const LLM = (options?: OpenAILLMOptions): OpenAILLM => new OpenAILLM(options);

// TTS

// Registration
export const openaiPlugin = definePlugin({
  name: '@patter/openai',
  providers: [
    { kind: 'llm', key: 'openai', create: (o) => new OpenAILLM(o as OpenAILLMOptions), env: ['OPENAI_API_KEY'] },
  ],
});
registry.register(openaiPlugin);
