import { registry } from '@patter/core';
import { definePlugin } from '@patter/core/plugin';
import { WhisperSTT, type WhisperSTTOptions } from './whisper-stt.js';

export { WhisperSTT, DEFAULTS, type WhisperSTTOptions } from './whisper-stt.js';

/** `import * as whisper from '@patter/whisper'; whisper.STT()`. */
export const STT = (options?: WhisperSTTOptions): WhisperSTT => new WhisperSTT(options);

export const whisperPlugin = definePlugin({
  name: '@patter/whisper',
  providers: [
    {
      kind: 'stt', key: 'whisper', create: (o) => new WhisperSTT(o as WhisperSTTOptions), env: ['OPENAI_API_KEY'],
      price: { perAudioMinute: 0.006 },
    },
  ],
});
registry.register(whisperPlugin);
