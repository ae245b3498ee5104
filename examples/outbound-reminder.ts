// Outbound reminder call: places one call with per-call variables; voicemail gets a message.
//   TWILIO_ACCOUNT_SID=… TWILIO_AUTH_TOKEN=… TWILIO_PHONE_NUMBER=+1… PATTER_WEBHOOK_URL=https://abc.ngrok.app \
//   OPENAI_API_KEY=… npx tsx examples/outbound-reminder.ts +15550001111 Ada
import { OpenAIRealtime } from '@patter/openai-realtime';
import { Patter, type OutboundCall, type ServerHandle } from '@patter/server';
import { Twilio } from '@patter/twilio';
import { isMain } from './run-main.js';

export async function start(
  to: string,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ handle: ServerHandle; call: OutboundCall }> {
  const phone = new Patter({
    carrier: new Twilio({ ...(env.TWILIO_BASE_URL ? { baseUrl: env.TWILIO_BASE_URL } : {}) }),
    phoneNumber: env.TWILIO_PHONE_NUMBER ?? '',
    ...(env.PATTER_WEBHOOK_URL ? { webhookUrl: env.PATTER_WEBHOOK_URL } : {}),
  });
  const agent = phone.agent({
    engine: new OpenAIRealtime({ voice: 'coral', ...(env.OPENAI_REALTIME_URL ? { baseUrl: env.OPENAI_REALTIME_URL } : {}) }),
    systemPrompt: 'You remind {name} of their dentist appointment tomorrow at 10 and answer questions about it.',
    firstMessage: 'Hi {name}, this is a reminder from Smile Dental.',
    voicemailMessage: 'Hi {name}, a reminder of your appointment tomorrow at 10. Call us back to move it.',
  });
  const handle = await phone.serve({ agent, port: Number(env.PORT ?? 8000), host: env.HOST ?? '0.0.0.0' });
  const call = await phone.call({ to, agent, variables: { name } });
  console.log(`calling ${to}: ${call.callId}`);
  return { handle, call };
}

if (isMain(import.meta.url)) await start(process.argv[2] ?? '', process.argv[3] ?? 'there');
