import { registry } from '@patter/core';
import { definePlugin } from '@patter/core/plugin';
import { OpenAIRealtime } from './openai-realtime.js';
import { OpenAIRealtime2 } from './openai-realtime-2.js';
import type { OpenAIRealtimeOptions } from './realtime-options.js';

export { OpenAIRealtime } from './openai-realtime.js';
export { OpenAIRealtime2 } from './openai-realtime-2.js';
export { OpenAIRealtimeSession } from './openai-realtime-session.js';
export {
  REALTIME_VOICES,
  REALTIME_2_VOICES,
  REASONING_EFFORTS,
  type OpenAIRealtimeOptions,
  type RealtimeVoice,
  type RealtimeModel,
  type ReasoningEffort,
} from './realtime-options.js';

/** `openai.Realtime()` — same as `new OpenAIRealtime()`. */
export const Realtime = (options?: OpenAIRealtimeOptions): OpenAIRealtime => new OpenAIRealtime(options);
/** `openai.Realtime2()` — same as `new OpenAIRealtime2()`. */
export const Realtime2 = (options?: OpenAIRealtimeOptions): OpenAIRealtime2 => new OpenAIRealtime2(options);

export const openaiRealtimePlugin = definePlugin({
  name: '@patter/openai-realtime',
  providers: [
    {
      kind: 'engine', key: 'openai_realtime', create: (o) => new OpenAIRealtime(o as OpenAIRealtimeOptions), env: ['OPENAI_API_KEY'],
      price: { perMillionInputTokens: 0.6, perMillionOutputTokens: 2.4, perMillionInputAudioTokens: 10, perMillionOutputAudioTokens: 20 },
    },
    {
      kind: 'engine', key: 'openai_realtime_2', create: (o) => new OpenAIRealtime2(o as OpenAIRealtimeOptions), env: ['OPENAI_API_KEY'],
      price: { perMillionInputTokens: 4, perMillionOutputTokens: 24, perMillionInputAudioTokens: 32, perMillionOutputAudioTokens: 64 },
    },
  ],
});
registry.register(openaiRealtimePlugin);
