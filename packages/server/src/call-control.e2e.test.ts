import { MULAW_8K, silentLogger, type CallControl, type CallEndSummary, type TTSProvider } from '@patter/core';
import { FakeTwilioApi, TwilioSimulator } from '@patter/testing';
import { Twilio } from '@patter/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { Patter } from './patter.js';
import type { ServerHandle } from './serve.js';
import { silentStt } from './test-support/silent-stt.js';
import { waitFor } from './test-support/test-server.js';

const ACCOUNT_SID = 'AC' + 'c3'.repeat(16);
const AUTH_TOKEN = 'control-test-auth-token';


/** A TTS that speaks 100 ms of μ-law silence per sentence. */
const silenceTts: TTSProvider = {
  key: 'silence',
  outputFormats: [MULAW_8K],
  synthesize: async function* () {
    yield new Uint8Array(800).fill(0xff);
  },
};

/** A TTS that speaks 10 ms of 0x2a bytes per character, recording the texts. */
function voiceTts(texts: string[]): TTSProvider {
  return {
    key: 'voice',
    outputFormats: [MULAW_8K],
    synthesize: async function* (text: string) {
      texts.push(text);
      yield new Uint8Array(text.length * 80).fill(0x2a);
    },
  };
}

let handle: ServerHandle | undefined;
let api: FakeTwilioApi | undefined;
afterEach(async () => {
  await handle?.close({ timeoutMs: 0 });
  await api?.close();
});

describe("core's call session behind the server", () => {
  it('hands user callbacks the session control; hanging up twice hangs up once and ends the call once', async () => {
    api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
    const phone = new Patter({
      carrier: new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }),
      phoneNumber: '+14155550199',
      logger: silentLogger,
    });
    const ends: Array<[CallEndSummary, CallControl | undefined]> = [];
    let started: CallControl | undefined;
    const hangups: Promise<void>[] = [];
    handle = await phone.serve({
      agent: phone.agent({ stt: silentStt(), tts: silenceTts, onMessage: () => 'ok', firstMessage: 'Hello.' }),
      port: 0,
      host: '127.0.0.1',
      shutdownSignals: false,
      devPhone: false,
      onCallStart: (_info, control) => {
        started = control;
      },
      onCallEnd: (summary, control) => void ends.push([summary, control]),
    });
    const simulator = new TwilioSimulator({ serverUrl: handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
    const call = await simulator.inboundCall();
    api.addCall(call.callSid);
    await waitFor(() => started !== undefined);
    const control = started!;
    expect(control.callId).toBe(call.callSid);
    expect(control.carrier).toBe('twilio');
    // The greeting plays (session → transport → Twilio frames) before the hang-up.
    await call.media.next(20_000);
    hangups.push(control.hangup(), control.hangup());
    await Promise.all(hangups);
    await waitFor(() => ends.length === 1);
    await control.hangup();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(control.ended).toBe(true);
    expect(ends).toHaveLength(1);
    expect(ends[0]![0]).toMatchObject({ callId: call.callSid, reason: 'agent_hangup' });
    expect(ends[0]![1]).toBe(control);
    const completed = api.updates.items.filter((update) => update.form.get('Status') === 'completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]!.callSid).toBe(call.callSid);
    expect(handle.activeCalls).toBe(0);
  });

  it('say() and sendDtmf() from a user callback reach the caller as carrier audio; hanging up a caller who already hung up is not an error', async () => {
    api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
    const phone = new Patter({
      carrier: new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }),
      phoneNumber: '+14155550199',
      logger: silentLogger,
    });
    const texts: string[] = [];
    let started: CallControl | undefined;
    const ends: CallEndSummary[] = [];
    handle = await phone.serve({
      agent: phone.agent({ stt: silentStt(), tts: voiceTts(texts), onMessage: () => 'ok' }),
      port: 0,
      host: '127.0.0.1',
      shutdownSignals: false,
      devPhone: false,
      onCallStart: (_info, control) => void (started = control),
      onCallEnd: (summary) => void ends.push(summary),
    });
    const simulator = new TwilioSimulator({ serverUrl: handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
    const call = await simulator.inboundCall();
    api.addCall(call.callSid);
    await waitFor(() => started !== undefined);
    const control = started!;

    await control.say('Your code is ready.');
    await waitFor(() => call.receivedAudio().filter((b) => b === 0x2a).length === 'Your code is ready.'.length * 80);
    expect(texts).toEqual(['Your code is ready.']);
    const before = call.receivedAudio().length;
    await control.sendDtmf('5');
    await waitFor(() => call.receivedAudio().length >= before + 1600);
    const tone = call.receivedAudio().subarray(before, before + 800);
    expect(tone.filter((b) => (b & 0x7f) < 0x60).length).toBeGreaterThan(400); // loud: a tone, not silence
    expect(api.updates.items).toEqual([]); // in-band: no REST call (Media Streams have no DTMF command)

    // The caller already hung up at Twilio (its REST API answers 404 20404) when user code hangs
    // up: not an error; the call ends once, and a later hangup changes nothing.
    api.endCall(call.callSid);
    const hangingUp = control.hangup({ immediate: true });
    setTimeout(() => void call.stop(), 50);
    await expect(hangingUp).resolves.toBeUndefined();
    await waitFor(() => ends.length === 1);
    await expect(control.hangup()).resolves.toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ends).toHaveLength(1);
    expect(handle.activeCalls).toBe(0);
    expect(api.updates.items).toEqual([]); // the 404 was not recorded as an update
    expect(call.violations).toEqual([]);
  });
});
