import { CartesiaTTS } from '@patter/cartesia';
import { silentLogger, type CallEndSummary, type Logger, type STTProvider, type TurnMetrics } from '@patter/core';
import { DeepgramSTT } from '@patter/deepgram';
import { OpenAILLM } from '@patter/openai';
import { SonioxSTT } from '@patter/soniox';
import { generateKeyPairSync } from 'node:crypto';
import { FakeTelnyxApi, FakeTwilioApi, loadFixture, rawPublicKeyBase64, TelnyxSimulator, TwilioSimulator } from '@patter/testing';
import { Telnyx } from '@patter/telnyx';
import { Twilio } from '@patter/twilio';
import { Patter } from '../patter.js';
import { fakeCartesia, fakeDeepgram, fakeOpenAIChat, fakeSoniox, fakeWebhook, VENDOR_KEYS, type Fake } from './telemetry-vendor-fakes.js';
import { waitFor } from './test-server.js';

export const ACCOUNT_SID = 'AC' + 'd4'.repeat(16);
export const AUTH_TOKEN = 'twilio-auth-token-for-telemetry-tests';
export const WEBHOOK_SECRET = 'whsec-telemetry-9a8b7c6d5e';
export const REPLY = 'We open at nine.';

export interface PipelineCallOptions {
  readonly stt: 'deepgram' | 'soniox';
  /** Caller turns (each a second of audio answered with `REPLY`). Default 1. */
  readonly turns?: number;
  /** Default `twilio`. */
  readonly carrier?: 'twilio' | 'telnyx';
  readonly logger?: Logger;
  /** The webhook tool answers 500 (echoing the request) once before it succeeds. */
  readonly webhookFailsFirst?: boolean;
  /** Runs after each turn was committed (its metrics emitted), before the next one: the call is still live. */
  readonly afterTurn?: (turn: number) => Promise<void>;
  /** Cleanup functions are pushed here (closed in reverse by the test). */
  readonly closers: (() => Promise<void>)[];
}

/**
 * One Twilio pipeline call through the real server, session and plugins against loopback
 * fakes: greeting, one caller turn, a signed webhook tool, the reply heard to its end; then the
 * caller hangs up.
 */
export async function pipelineCall(options: PipelineCallOptions) {
  const { stt, closers } = options;
  const keep = <T extends Fake>(fake: T): T => {
    closers.push(() => fake.close());
    return fake;
  };
  const heard = 'When do you open on Monday?';
  const turns = options.turns ?? 1;
  const finals = Array.from({ length: turns }, () => heard);
  const sttFake = keep(stt === 'deepgram' ? await fakeDeepgram(finals) : await fakeSoniox(finals));
  const openai = keep(await fakeOpenAIChat(REPLY, 'opening_hours'));
  const cartesia = keep(await fakeCartesia());
  const webhook = keep(await fakeWebhook(options.webhookFailsFirst ?? false));
  const telnyx = options.carrier === 'telnyx';
  const twilioApi = telnyx ? undefined : await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
  const telnyxApi = telnyx ? await new FakeTelnyxApi('KEY_telemetry').start() : undefined;
  closers.push(async () => {
    await twilioApi?.close();
    await telnyxApi?.close();
  });
  const keys = generateKeyPairSync('ed25519');
  const phone = new Patter({
    carrier: telnyxApi
      ? new Telnyx({ apiKey: 'KEY_telemetry', publicKey: rawPublicKeyBase64(keys.publicKey), baseUrl: `${telnyxApi.url}/v2`, connectionId: 'conn-1' })
      : new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: twilioApi!.url }),
    phoneNumber: '+14155550199',
    logger: options.logger ?? silentLogger,
  });
  const sttProvider: STTProvider =
    stt === 'deepgram'
      ? new DeepgramSTT({ apiKey: VENDOR_KEYS.deepgram, baseUrl: sttFake.url })
      : new SonioxSTT({ apiKey: VENDOR_KEYS.soniox, baseUrl: sttFake.url.replace('ws:', 'http:') });
  const agent = phone.agent({
    name: 'front-desk',
    stt: sttProvider,
    llm: new OpenAILLM({ apiKey: VENDOR_KEYS.openai, baseUrl: openai.url }),
    tts: new CartesiaTTS({ apiKey: VENDOR_KEYS.cartesia, baseUrl: cartesia.url }),
    firstMessage: 'Welcome.',
    tools: [
      {
        name: 'opening_hours',
        description: 'Opening hours of a day',
        parameters: { type: 'object', properties: { day: { type: 'string' } } },
        webhook: { url: webhook.url, secret: WEBHOOK_SECRET },
      },
    ],
  });
  const metrics: TurnMetrics[] = [];
  const ends: CallEndSummary[] = [];
  const handle = await phone.serve({
    agent, port: 0, host: '127.0.0.1', shutdownSignals: false,
    onMetrics: (m) => void metrics.push(m),
    onCallEnd: (summary) => void ends.push(summary),
  });
  closers.push(() => handle.close({ timeoutMs: 0 }));
  const call = telnyxApi
    ? await new TelnyxSimulator({ serverUrl: handle.url, api: telnyxApi, privateKey: keys.privateKey }).inboundCall({ from: '+14155550100' })
    : await new TwilioSimulator({ serverUrl: handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID }).inboundCall({ from: '+14155550100' });
  await waitFor(() => call.marks.items.some((m) => m.echoedAt !== undefined), 5_000); // the greeting played
  for (let turn = 1; turn <= turns; turn++) {
    await call.sendAudio(loadFixture('book-a-table', 'mulaw-8k').bytes.subarray(0, 8000));
    await waitFor(() => metrics.length === turn, 10_000); // committed once heard to the end
    await options.afterTurn?.(turn);
  }
  await call.stop();
  await waitFor(() => ends.length === 1, 5_000);
  return { call, metrics, summary: ends[0] as CallEndSummary, webhook };
}
