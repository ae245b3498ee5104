import { generateKeyPairSync } from 'node:crypto';
import type { Carrier, Logger } from '@patter/core';
import { FakeTelnyxApi, FakeTwilioApi, parseStreamTwiml, rawPublicKeyBase64, TelnyxSimulator, TwilioSimulator } from '@patter/testing';
import { Telnyx } from '@patter/telnyx';
import { Twilio } from '@patter/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { Patter } from './patter.js';
import { RecordingSession } from './test-support/recording-session.js';
import { inertAgentOptions, openStream, waitFor } from './test-support/test-server.js';

// One live session per carrier call: a replayed (or retried) inbound webhook never starts a second
// agent session. Twilio: the replay gets the same TwiML (same call ref, same stream token), and the
// server admits one stream per call ref. Telnyx: a second call.initiated for the same
// call_control_id is acknowledged and not answered again.

const ACCOUNT_SID = 'AC' + 'c3'.repeat(16);
const AUTH_TOKEN = 'replay-auth-token';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

interface Line {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

function capturingLogger(lines: Line[]): Logger {
  const logger: Logger = {
    debug: (fields, message) => void lines.push({ level: 'debug', message, fields }),
    info: (fields, message) => void lines.push({ level: 'info', message, fields }),
    warn: (fields, message) => void lines.push({ level: 'warn', message, fields }),
    error: (fields, message) => void lines.push({ level: 'error', message, fields }),
    child: () => logger,
  };
  return logger;
}

async function serve(carrier: Carrier) {
  const lines: Line[] = [];
  const sessions: RecordingSession[] = [];
  const phone = new Patter({
    carrier,
    phoneNumber: '+14155550199',
    logger: capturingLogger(lines),
    createSession: (options) => {
      const session = new RecordingSession(options);
      sessions.push(session);
      return session;
    },
  });
  const handle = await phone.serve({ agent: phone.agent(inertAgentOptions), port: 0, host: '127.0.0.1', shutdownSignals: false });
  closers.push(() => handle.close({ timeoutMs: 0 }));
  return { handle, lines, sessions };
}

async function twilioServer() {
  const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
  closers.push(() => api.close());
  const served = await serve(new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }));
  const simulator = new TwilioSimulator({ serverUrl: served.handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
  return { ...served, simulator };
}

const voiceParams = (callSid: string) => ({
  AccountSid: ACCOUNT_SID,
  ApiVersion: '2010-04-01',
  CallSid: callSid,
  CallStatus: 'ringing',
  Direction: 'inbound',
  From: '+14155550100',
  To: '+14155550199',
});

describe('a replayed inbound webhook does not start a second session', () => {
  it('Twilio: same CallSid → the same TwiML; the second stream is refused; one session', async () => {
    const { simulator, sessions, lines } = await twilioServer();
    const callSid = 'CA' + '5e'.repeat(16);
    const first = await simulator.webhook('/twilio/voice', voiceParams(callSid));
    const replay = await simulator.webhook('/twilio/voice', voiceParams(callSid));
    expect(first.status).toBe(200);
    expect(replay.status).toBe(200);
    expect(replay.body).toBe(first.body); // same call ref, same (still stateless) stream token
    expect(lines.some((line) => line.message === 'twilio voice webhook replayed: same answer, no second session')).toBe(true);

    const call = await simulator.connect(first.body, callSid);
    await waitFor(() => sessions.length === 1 && sessions[0]!.options.transport.info !== undefined, 15_000);
    // Whoever replays the answer cannot open a second stream for the call: the upgrade is refused.
    await expect(openStream(parseStreamTwiml(replay.body).url)).rejects.toThrow(/refused 409/);
    await expect(simulator.connect(replay.body, callSid)).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sessions).toHaveLength(1);

    // A different call is not affected.
    const other = await simulator.webhook('/twilio/voice', voiceParams('CA' + '6f'.repeat(16)));
    expect(parseStreamTwiml(other.body).parameters.callRef).not.toBe(parseStreamTwiml(first.body).parameters.callRef);
    await call.stop();
  });

  it('Twilio: a retried webhook (same I-Twilio-Idempotency-Token) gets the first answer and is not dispatched twice', async () => {
    const { simulator, sessions } = await twilioServer();
    const call = await simulator.inboundCall();
    await waitFor(() => sessions.length === 1 && sessions[0]!.options.transport.info !== undefined, 15_000);
    const headers = { 'i-twilio-idempotency-token': 'a7f1c0de-retry-token' };
    const params = { AccountSid: ACCOUNT_SID, CallSid: call.callSid, AnsweredBy: 'machine_start', MachineDetectionDuration: '2400' };
    const once = await simulator.webhook('/twilio/amd', params, { headers });
    const again = await simulator.webhook('/twilio/amd', params, { headers });
    expect([once.status, again.status]).toEqual([204, 204]);
    await waitFor(() => sessions[0]!.carrierEvents.length >= 1, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sessions[0]!.carrierEvents.filter((event) => event.type === 'machineDetection')).toHaveLength(1);
    await call.stop();
  });

  it('Telnyx: a second call.initiated for the same call_control_id is not answered again; one session', async () => {
    const api = await new FakeTelnyxApi('KEY_replay').start();
    closers.push(() => api.close());
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const { handle, sessions, lines } = await serve(
      new Telnyx({ apiKey: 'KEY_replay', publicKey: rawPublicKeyBase64(publicKey), baseUrl: `${api.url}/v2`, connectionId: 'conn-1' }),
    );
    const simulator = new TelnyxSimulator({ serverUrl: handle.url, api, privateKey });
    const call = await simulator.inboundCall();
    await waitFor(() => sessions.length === 1 && sessions[0]!.options.transport.info !== undefined, 15_000);

    // Same call, new event id (a replay the event-id de-duplication does not catch).
    const replay = await simulator.webhook('call.initiated', { ...call.payload, client_state: null, direction: 'incoming', state: 'parked' });
    expect(replay.status).toBe(200);
    await waitFor(() => lines.some((line) => line.message === 'telnyx call.initiated replayed: already answered, no second session'), 15_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const answers = api.commands.items.filter((command) => command.callControlId === call.callControlId && command.action === 'answer');
    expect(answers).toHaveLength(1);
    expect(sessions).toHaveLength(1);
    await call.stop();
  });
});
