import { registry } from '@patter/core';
import { definePlugin } from '@patter/core/plugin';
import { OpenAITranscribeSTT, type OpenAITranscribeSTTOptions } from './openai-transcribe-stt.js';

export { OpenAITranscribeSTT, DEFAULTS, type OpenAITranscribeSTTOptions } from './openai-transcribe-stt.js';

/** `import * as openaiTranscribe from '@patter/openai-transcribe'; openaiTranscribe.STT()`. */
export const STT = (options?: OpenAITranscribeSTTOptions): OpenAITranscribeSTT => new OpenAITranscribeSTT(options);

export const openaiTranscribePlugin = definePlugin({
  name: '@patter/openai-transcribe',
  providers: [
    {
      kind: 'stt',
      key: 'openai_transcribe',
      create: (o) => new OpenAITranscribeSTT(o as OpenAITranscribeSTTOptions),
      env: ['OPENAI_API_KEY'],
      price: { perAudioMinute: 0.006 },
    },
  ],
});
registry.register(openaiTranscribePlugin);
