// Custom onMessage: your own code answers each turn instead of an LLM (here a tiny FAQ that can hang
// up). Try it in the terminal with `phone.test()`: npx tsx examples/custom-on-message.ts
import type { MessageContext } from '@patter/core';
import * as deepgram from '@patter/deepgram';
import * as elevenlabs from '@patter/elevenlabs';
import { Patter } from '@patter/server';
import { isMain } from './run-main.js';

const ANSWERS: readonly (readonly [RegExp, string])[] = [
  [/hours|open/i, 'We are open from noon to 11 pm, every day but Monday.'],
  [/where|address/i, 'We are at 12 Via Roma, next to the station.'],
];

/**
 * One turn: an answer from the FAQ, or goodbye when the caller says bye — said first, then the
 * call hangs up once it has been heard (a reply returned after `hangup()` would come too late:
 * the call is over by then).
 */
export async function answer({ text, call }: MessageContext): Promise<string> {
  if (/\bbye\b/i.test(text)) {
    await call.say('Goodbye!');
    await call.hangup();
    return '';
  }
  return ANSWERS.find(([pattern]) => pattern.test(text))?.[1] ?? 'Sorry, I can tell you our hours or our address.';
}

export function createAgent(phone: Patter, env: NodeJS.ProcessEnv = process.env) {
  return phone.agent({
    stt: deepgram.STT({ ...(env.DEEPGRAM_BASE_URL ? { baseUrl: env.DEEPGRAM_BASE_URL } : {}) }),
    onMessage: answer,
    tts: elevenlabs.TTS({ ...(env.ELEVENLABS_BASE_URL ? { baseUrl: env.ELEVENLABS_BASE_URL } : {}) }),
    firstMessage: 'Trattoria information line. Ask me about our hours or address.',
  });
}

if (isMain(import.meta.url)) {
  const phone = new Patter();
  await phone.test({ agent: createAgent(phone) });
}
