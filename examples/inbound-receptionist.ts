// Inbound receptionist on Twilio: Deepgram → OpenAI → ElevenLabs, with a local booking tool.
//   TWILIO_ACCOUNT_SID=… TWILIO_AUTH_TOKEN=… TWILIO_PHONE_NUMBER=+1… PATTER_WEBHOOK_URL=https://abc.ngrok.app \
//   DEEPGRAM_API_KEY=… OPENAI_API_KEY=… ELEVENLABS_API_KEY=… npx tsx examples/inbound-receptionist.ts
// Then point the number's voice webhook at the printed `POST …/twilio/voice`.
import { defineTool } from '@patter/core';
import * as deepgram from '@patter/deepgram';
import * as elevenlabs from '@patter/elevenlabs';
import * as openai from '@patter/openai';
import { Patter, type ServerHandle } from '@patter/server';
import { Twilio } from '@patter/twilio';
import { isMain } from './run-main.js';

const bookings: { name: string; partySize: number; time: string }[] = [];

export const bookTable = defineTool<{ name: string; partySize: number; time: string }>({
  name: 'book_table',
  description: 'Books a table. Call it once the caller gave a name, a party size and a time.',
  parameters: {
    type: 'object',
    properties: { name: { type: 'string' }, partySize: { type: 'integer', minimum: 1 }, time: { type: 'string' } },
    required: ['name', 'partySize', 'time'],
  },
  handler: (booking) => {
    bookings.push(booking);
    return { confirmed: true, reference: `T${bookings.length}` };
  },
});

export async function start(env: NodeJS.ProcessEnv = process.env): Promise<ServerHandle> {
  const phone = new Patter({
    carrier: new Twilio({ ...(env.TWILIO_BASE_URL ? { baseUrl: env.TWILIO_BASE_URL } : {}) }),
    phoneNumber: env.TWILIO_PHONE_NUMBER ?? '',
    ...(env.PATTER_WEBHOOK_URL ? { webhookUrl: env.PATTER_WEBHOOK_URL } : {}),
  });
  const agent = phone.agent({
    stt: deepgram.STT({ ...(env.DEEPGRAM_BASE_URL ? { baseUrl: env.DEEPGRAM_BASE_URL } : {}) }),
    llm: openai.LLM({ model: 'gpt-4o-mini', ...(env.OPENAI_BASE_URL ? { baseUrl: env.OPENAI_BASE_URL } : {}) }),
    tts: elevenlabs.TTS({ ...(env.ELEVENLABS_BASE_URL ? { baseUrl: env.ELEVENLABS_BASE_URL } : {}) }),
    systemPrompt: "You are the receptionist of Luigi's Trattoria. Book tables with book_table.",
    firstMessage: "Luigi's Trattoria, how can I help?",
    tools: [bookTable],
  });
  const handle = await phone.serve({ agent, port: Number(env.PORT ?? 8000), host: env.HOST ?? '0.0.0.0' });
  for (const webhook of handle.webhooks) console.log(`configure at Twilio: ${webhook}`);
  return handle;
}

if (isMain(import.meta.url)) await start();
