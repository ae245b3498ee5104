// Engine mode: OpenAI Realtime speaks and listens itself (no STT/TTS). Without a carrier, call it
// from the browser: OPENAI_API_KEY=… npx tsx examples/engine-mode.ts, then open the printed dev phone.
import { OpenAIRealtime } from '@patter/openai-realtime';
import { Patter, type ServerHandle } from '@patter/server';
import { isMain } from './run-main.js';

export async function start(env: NodeJS.ProcessEnv = process.env): Promise<ServerHandle> {
  const phone = new Patter();
  const agent = phone.agent({
    engine: new OpenAIRealtime({ voice: 'coral', ...(env.OPENAI_REALTIME_URL ? { baseUrl: env.OPENAI_REALTIME_URL } : {}) }),
    systemPrompt: 'You are a friendly assistant. Keep answers short: this is a phone call.',
    firstMessage: 'Hello! What can I do for you?',
  });
  const handle = await phone.serve({ agent, port: Number(env.PORT ?? 8000), host: '127.0.0.1', devPhone: true });
  console.log(`call it from the browser: ${handle.devPhoneUrl}`);
  return handle;
}

if (isMain(import.meta.url)) await start();
