import { registry } from '@patter/core';
import { definePlugin } from '@patter/core/plugin';
import { AssemblyAISTT, type AssemblyAISTTOptions } from './assemblyai-stt.js';

export {
  AssemblyAISTT,
  DEFAULTS,
  type AssemblyAISTTOptions,
  type AssemblyAISTTStream,
  type AssemblyAITurnConfig,
  type AssemblyAIModel,
} from './assemblyai-stt.js';

/** `import * as assemblyai from '@patter/assemblyai'; assemblyai.STT()`. */
export const STT = (options?: AssemblyAISTTOptions): AssemblyAISTT => new AssemblyAISTT(options);

export const assemblyaiPlugin = definePlugin({
  name: '@patter/assemblyai',
  providers: [
    {
      kind: 'stt', key: 'assemblyai', create: (o) => new AssemblyAISTT(o as AssemblyAISTTOptions), env: ['ASSEMBLYAI_API_KEY'],
      price: { perAudioMinute: 0.0025 },
    },
  ],
});
registry.register(assemblyaiPlugin);
