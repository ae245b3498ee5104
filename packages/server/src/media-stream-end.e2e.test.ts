import { generateKeyPairSync } from 'node:crypto';
import type { CallEndSummary, Carrier, Logger } from '@patter/core';
import { FakeTelnyxApi, FakeTwilioApi, rawPublicKeyBase64, TelnyxSimulator, TwilioSimulator } from '@patter/testing';
import { Telnyx } from '@patter/telnyx';
import { Twilio } from '@patter/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { Patter } from './patter.js';
import type { ServerHandle } from './serve.js';
import { RecordingSession } from './test-support/recording-session.js';
import { inertAgentOptions, waitFor } from './test-support/test-server.js';

// How a media stream ended is told apart: the carrier's stop is a caller hangup, a message over
// maxMessageBytes is a protocol error, and a socket that just drops is media lost — each of the
// last two with a warning.

const ACCOUNT_SID = 'AC' + 'e5'.repeat(16);
const AUTH_TOKEN = 'media-end-auth-token';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function serve(carrier: Carrier) {
  const warnings: string[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (_fields, message) => void warnings.push(message),
    error: (_fields, message) => void warnings.push(message),
    child: () => logger,
  };
  const sessions: RecordingSession[] = [];
  const ends: CallEndSummary[] = [];
  const phone = new Patter({
    carrier,
    phoneNumber: '+14155550199',
    logger,
    createSession: (options) => {
      const session = new RecordingSession(options);
      sessions.push(session);
      return session;
    },
  });
  const handle: ServerHandle = await phone.serve({
    agent: phone.agent(inertAgentOptions),
    port: 0,
    host: '127.0.0.1',
    shutdownSignals: false,
    maxMessageBytes: 256 * 1024,
    onCallEnd: (summary) => void ends.push(summary),
  });
  closers.push(() => handle.close({ timeoutMs: 0 }));
  return { handle, warnings, sessions, ends };
}

async function twilioCall() {
  const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
  closers.push(() => api.close());
  const served = await serve(new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }));
  const call = await new TwilioSimulator({ serverUrl: served.handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID }).inboundCall();
  await waitFor(() => served.sessions[0]?.options.transport.info !== undefined, 15_000);
  return { ...served, call };
}

describe('why a media stream ended', () => {
  it('Twilio: a message over maxMessageBytes ends the call with protocol_error and a warning', async () => {
    const { call, ends, warnings } = await twilioCall();
    call.sendRaw(JSON.stringify({ event: 'media', payload: 'A'.repeat(300 * 1024) }));
    await waitFor(() => ends.length === 1, 15_000);
    expect(ends[0]!.reason).toBe('protocol_error');
    expect(warnings).toContain('media stream protocol error; the socket closes');
  });

  it('Twilio: a socket that drops without a stop ends the call with media_lost and a warning', async () => {
    const { call, ends, warnings } = await twilioCall();
    call.drop();
    await waitFor(() => ends.length === 1, 15_000);
    expect(ends[0]!.reason).toBe('media_lost');
    expect(warnings).toContain('media stream lost without a stop from the carrier');
  });

  it('Twilio: the carrier\'s stop is still a caller hangup, with no warning', async () => {
    const { call, ends, warnings } = await twilioCall();
    await call.stop();
    await waitFor(() => ends.length === 1, 15_000);
    expect(ends[0]!.reason).toBe('caller_hangup');
    expect(warnings).toEqual([]);
  });

  it('Telnyx: a dropped socket is media_lost', async () => {
    const api = await new FakeTelnyxApi('KEY_end').start();
    closers.push(() => api.close());
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const { handle, ends, sessions, warnings } = await serve(
      new Telnyx({ apiKey: 'KEY_end', publicKey: rawPublicKeyBase64(publicKey), baseUrl: `${api.url}/v2`, connectionId: 'c' }),
    );
    const call = await new TelnyxSimulator({ serverUrl: handle.url, api, privateKey }).inboundCall();
    await waitFor(() => sessions[0]?.options.transport.info !== undefined, 15_000);
    call.drop();
    await waitFor(() => ends.length === 1, 15_000);
    expect(ends[0]!.reason).toBe('media_lost');
    expect(warnings).toContain('media stream lost without a stop from the carrier');
  });
});
