/**
 * One full Patter server in its own process, for the campaign multi-process test: Twilio on the
 * test's FakeTwilioApi, the call store on the shared PostgreSQL, the fleet on, a quiet agent
 * (silent STT, a short TTS greeting). Sends `{ url }` when listening; `stop` closes it.
 */
import { createConsoleLogger, MULAW_8K } from '@patter/core';
import { Twilio } from '@patter/twilio';
import { Patter } from '../patter.js';
import { silentStt } from './silent-stt.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const phone = new Patter({
  carrier: new Twilio({ accountSid: env('CAMPAIGN_ACCOUNT_SID'), authToken: env('CAMPAIGN_AUTH_TOKEN'), baseUrl: env('CAMPAIGN_API_URL') }),
  phoneNumber: '+14155550100',
  logger: createConsoleLogger({ level: 'silent' }),
});
const agent = phone.agent({
  stt: silentStt(),

  tts: {
    key: 'short',
    outputFormats: [MULAW_8K],
    synthesize: async function* (text: string) {
      yield new Uint8Array(text.length * 8).fill(0x2a);
    },
  },
  onMessage: () => 'ok',
  firstMessage: 'Hi {name}.',
});
const handle = await phone.serve({
  agent,
  port: 0,
  host: '127.0.0.1',
  devPhone: false,
  dashboard: false,
  warmup: false,
  shutdownSignals: false,
  store: { url: env('CAMPAIGN_DATABASE_URL') },
  fleet: {
    workerId: env('CAMPAIGN_WORKER_ID'),
    jobSchema: env('CAMPAIGN_JOB_SCHEMA'),
    limits: JSON.parse(env('CAMPAIGN_LIMITS')) as Record<string, number>,
    slots: 8,
    leaseMs: 3000,
    callCheckMs: 3000,
    tickMs: 300,
    jobExpireSeconds: 8,
  },
});
process.send?.({ url: handle.url });
process.on('message', (message) => {
  if (message === 'stop') {
    void handle.close({ timeoutMs: 5000 }).then(() => process.exit(0));
    return;
  }
  const { campaign } = message as { campaign: Parameters<typeof phone.campaign>[0] };
  phone.campaign(campaign).then(
    ({ campaignId }) => process.send?.({ campaignId }),
    (error: unknown) => process.send?.({ error: String(error) }),
  );
});
