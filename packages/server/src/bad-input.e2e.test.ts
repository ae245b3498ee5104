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

// Bad carrier input through the real server (its WebSocket limits included): every bad frame is
// logged and dropped, and the call goes on.

const ACCOUNT_SID = 'AC' + 'f6'.repeat(16);
const AUTH_TOKEN = 'bad-input-auth-token';

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
    onCallEnd: (summary) => void ends.push(summary),
  });
  closers.push(() => handle.close({ timeoutMs: 0 }));
  return { handle, warnings, sessions, ends };
}

describe('bad media-stream input through the real server', () => {
  it('Twilio: malformed JSON, unknown events, oversized frames and payloads, bad base64, other streams, out of order', async () => {
    const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
    closers.push(() => api.close());
    const { handle, warnings, sessions, ends } = await serve(new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }));
    const call = await new TwilioSimulator({ serverUrl: handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID }).inboundCall();
    await waitFor(() => sessions[0]?.options.transport.info !== undefined);
    const session = sessions[0]!;
    const frame = (chunk: number, payload: string, streamSid = call.streamSid) =>
      JSON.stringify({ event: 'media', sequenceNumber: '9', media: { track: 'inbound', chunk: String(chunk), timestamp: '0', payload }, streamSid });

    call.sendRaw('{not json');
    call.sendRaw(JSON.stringify({ event: 'party', streamSid: call.streamSid }));
    call.sendRaw(frame(1, 'A'.repeat(20_000))); // oversized payload
    call.sendRaw(frame(2, 'A'.repeat(100_000))); // oversized frame (over the server's message limit)
    call.sendRaw(frame(3, '%%%%'));
    call.sendRaw(frame(4, 'AQID', 'MZ-someone-else'));
    call.sendRaw(frame(10, 'CgoK'));
    call.sendRaw(frame(5, 'BQUF')); // out of order
    call.sendRaw(Buffer.from([0, 1, 2]));
    call.sendRaw(frame(11, 'CwsL'));
    await waitFor(() => session.audio.some((audio) => audio[0] === 11));
    expect(session.audio.map((audio) => [...audio])).toEqual([[10, 10, 10], [11, 11, 11]]);
    expect(warnings).toEqual(
      expect.arrayContaining([
        'malformed media stream frame',
        'unknown media stream event',
        'oversized media payload',
        'oversized frame',
        'media payload is not base64',
        'message for an unknown stream',
        'media chunk out of order',
        'binary frame',
      ]),
    );
    // The call goes on: still up, and DTMF still arrives.
    call.sendDtmf('3');
    await waitFor(() => session.dtmf.length === 1);
    expect(ends).toEqual([]);
    expect(handle.activeCalls).toBe(1);
    await call.stop();
    await waitFor(() => ends.length === 1);
    expect(ends[0]!.reason).toBe('caller_hangup');
  });

  it('Telnyx: the same, plus error frames from Telnyx', async () => {
    const api = await new FakeTelnyxApi('KEY_bad').start();
    closers.push(() => api.close());
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const { handle, warnings, sessions, ends } = await serve(
      new Telnyx({ apiKey: 'KEY_bad', publicKey: rawPublicKeyBase64(publicKey), baseUrl: `${api.url}/v2`, connectionId: 'c' }),
    );
    const call = await new TelnyxSimulator({ serverUrl: handle.url, api, privateKey }).inboundCall();
    await waitFor(() => sessions[0]?.options.transport.info !== undefined);
    const session = sessions[0]!;
    const media = (chunk: number, payload: string, stream: string = call.streamId) =>
      JSON.stringify({ event: 'media', sequence_number: '5', media: { track: 'inbound', chunk: String(chunk), timestamp: '0', payload }, stream_id: stream });

    call.sendRaw('][');
    call.sendRaw(JSON.stringify({ event: 'wobble', stream_id: call.streamId }));
    call.sendRaw(media(1, '****'));
    call.sendRaw(media(2, 'AQID', 'another-stream'));
    call.sendRaw(media(3, 'A'.repeat(100_000)));
    call.sendRaw(media(7, 'BwcH'));
    call.sendRaw(media(6, 'BgYG'));
    call.sendRaw(JSON.stringify({ event: 'error', payload: { code: 100002, title: 'unknown_error' }, stream_id: call.streamId }));
    call.sendRaw(media(9, 'CQkJ'));
    await waitFor(() => session.audio.some((audio) => audio[0] === 9));
    expect(session.audio.map((audio) => audio[0])).toEqual([7, 9]);
    expect(warnings).toEqual(
      expect.arrayContaining([
        'malformed media stream frame',
        'unknown media stream event',
        'media payload is not base64',
        'message for an unknown stream',
        'oversized frame',
        'media chunk out of order',
        'carrier reported a media stream error',
      ]),
    );
    await call.sendDtmf('3');
    await waitFor(() => session.dtmf.length === 1);
    expect(ends).toEqual([]);
    expect(handle.activeCalls).toBe(1);
    await call.stop();
    await waitFor(() => ends.length === 1);
    expect(ends[0]!.reason).toBe('caller_hangup');
  });
});
