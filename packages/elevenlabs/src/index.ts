import { registry } from '@patter/core';
import { definePlugin } from '@patter/core/plugin';
import { ElevenLabsConvAI, type ElevenLabsConvAIOptions } from './elevenlabs-convai.js';
import { ElevenLabsRestTTS, type ElevenLabsRestTTSOptions } from './elevenlabs-rest-tts.js';
import { ElevenLabsTTS, type ElevenLabsWebSocketTTSOptions } from './elevenlabs-tts.js';

export { ElevenLabsTTS, type ElevenLabsWebSocketTTSOptions } from './elevenlabs-tts.js';
export { ElevenLabsRestTTS, type ElevenLabsRestTTSOptions } from './elevenlabs-rest-tts.js';
export { ElevenLabsConvAI, type ElevenLabsConvAIOptions } from './elevenlabs-convai.js';
export { ConvAISession } from './convai-session.js';
export type { ElevenLabsTTSOptions, ElevenLabsModel, VoiceSettings } from './elevenlabs-tts-options.js';
export { type ElevenLabsOutputFormat, toElevenLabsFormat, parseElevenLabsFormat } from './elevenlabs-format.js';

/** `elevenlabs.TTS()` — the WebSocket class, same as `new ElevenLabsTTS()`. */
export const TTS = (options?: ElevenLabsWebSocketTTSOptions): ElevenLabsTTS => new ElevenLabsTTS(options);
/** `elevenlabs.RestTTS()` — HTTP streaming, for `eleven_v3`. */
export const RestTTS = (options?: ElevenLabsRestTTSOptions): ElevenLabsRestTTS => new ElevenLabsRestTTS(options);
/** `elevenlabs.ConvAI()` — Conversational AI engine. */
export const ConvAI = (options?: ElevenLabsConvAIOptions): ElevenLabsConvAI => new ElevenLabsConvAI(options);

export const elevenlabsPlugin = definePlugin({
  name: '@patter/elevenlabs',
  providers: [
    {
      kind: 'tts', key: 'elevenlabs_ws', create: (o) => new ElevenLabsTTS(o as ElevenLabsWebSocketTTSOptions), env: ['ELEVENLABS_API_KEY'],
      price: { perThousandCharacters: 0.1 },
    },
    {
      kind: 'tts', key: 'elevenlabs_rest', create: (o) => new ElevenLabsRestTTS(o as ElevenLabsRestTTSOptions), env: ['ELEVENLABS_API_KEY'],
      price: { perThousandCharacters: 0.1 },
    },
    {
      kind: 'engine',
      key: 'elevenlabs_convai',
      create: (o) => new ElevenLabsConvAI(o as ElevenLabsConvAIOptions),
      env: ['ELEVENLABS_API_KEY', 'ELEVENLABS_AGENT_ID'],
      price: { perCallMinute: 0.1 },
    },
  ],
});
registry.register(elevenlabsPlugin);
