import { generateKeyPairSync } from 'node:crypto';
import { MULAW_8K, silentLogger, type CallEndSummary, type TTSProvider } from '@patter/core';
import {
  FakeTelnyxApi,
  FakeTwilioApi,
  parseStreamTwiml,
  rawPublicKeyBase64,
  TelnyxSimulator,
  TwilioSimulator,
  type MediaStreamPeer,
  type TelnyxSimulatedCall,
  type TwilioSimulatedCall,
} from '@patter/testing';
import { Telnyx } from '@patter/telnyx';
import { Twilio } from '@patter/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { Patter } from './patter.js';
import type { ServerHandle } from './serve.js';
import { silentStt } from './test-support/silent-stt.js';
import { waitFor } from './test-support/test-server.js';

// Outbound calls with answering-machine detection, through the real server, core's real call
// session and the real carrier plugins, each carrier played by its simulator and REST fake.

const ACCOUNT_SID = 'AC' + 'd4'.repeat(16);
const AUTH_TOKEN = 'amd-test-auth-token';
const VOICE = 0x2a; // every byte the agent's TTS produces
const FIRST = 'Hi {name}, this is Acme.';
const VOICEMAIL = 'Hi {name}, please call Acme back.';


/** The agent's own voice: 10 ms of μ-law (80 bytes of `VOICE`) per character, texts recorded. */
function voiceTts(): TTSProvider & { texts: string[] } {
  const texts: string[] = [];
  return {
    key: 'voice',
    outputFormats: [MULAW_8K],
    texts,
    synthesize: async function* (text: string) {
      texts.push(text);
      yield new Uint8Array(text.length * 80).fill(VOICE);
    },
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function serve(carrier: Twilio | Telnyx) {
  const stt = silentStt();
  const tts = voiceTts();
  const ends: CallEndSummary[] = [];
  const phone = new Patter({ carrier, phoneNumber: '+14155550199', logger: silentLogger });
  const served = phone.agent({ stt, tts, onMessage: () => 'served agent', firstMessage: 'Served agent here.' });
  const handle: ServerHandle = await phone.serve({
    agent: served,
    port: 0,
    host: '127.0.0.1',
    shutdownSignals: false,
    devPhone: false,
    onCallEnd: (summary) => void ends.push(summary),
  });
  closers.push(() => handle.close({ timeoutMs: 0 }));
  const agent = phone.agent({ stt, tts, onMessage: () => 'ok', firstMessage: FIRST, variables: { name: 'default' } });
  return { phone, handle, stt, tts, ends, agent };
}

/** Bytes of the agent's voice the simulated carrier received. */
const voiced = (call: MediaStreamPeer) => call.receivedAudio().filter((byte) => byte === VOICE).length;
const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Twilio outbound call with AMD', () => {
  async function start() {
    const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
    closers.push(() => api.close());
    const app = await serve(new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }));
    const simulator = new TwilioSimulator({ serverUrl: app.handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
    // Like Twilio: a REST hang-up ends the stream with `stop`; note when it came.
    const calls = new Map<string, TwilioSimulatedCall>();
    const hangups: { callSid: string; at: number }[] = [];
    api.onHangup = (callSid) => {
      hangups.push({ callSid, at: performance.now() });
      void calls.get(callSid)?.stop();
    };
    return { ...app, api, simulator, calls, hangups };
  }

  it('phone.call() posts every field; a machine waits for the beep, hears the voicemail in the agent voice, then is hung up', async () => {
    const { phone, api, simulator, calls, hangups, stt, tts, ends, agent, handle } = await start();
    const placed = await phone.call({ to: '+14155550123', agent, variables: { name: 'Ada' }, voicemailMessage: VOICEMAIL });

    const created = await api.calls.next();
    expect(created.sid).toBe(placed.callId);
    const request = api.requests.items.find((r) => r.path.endsWith('/Calls.json'))!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`);
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
    expect(request.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    const callback = (path: string) => `${handle.publicUrl}${path}?callRef=${placed.callRef}`;
    const twiml = created.form.get('Twiml')!;
    expect([...created.form]).toEqual([
      ['To', '+14155550123'],
      ['From', '+14155550199'],
      ['Twiml', twiml],
      ['Timeout', '60'],
      ['StatusCallback', callback('/twilio/status')],
      ['StatusCallbackMethod', 'POST'],
      ['StatusCallbackEvent', 'initiated'],
      ['StatusCallbackEvent', 'ringing'],
      ['StatusCallbackEvent', 'answered'],
      ['StatusCallbackEvent', 'completed'],
      ['MachineDetection', 'DetectMessageEnd'],
      ['MachineDetectionTimeout', '30'],
      ['AsyncAmd', 'true'],
      ['AsyncAmdStatusCallback', callback('/twilio/amd')],
      ['AsyncAmdStatusCallbackMethod', 'POST'],
    ]);
    const stream = parseStreamTwiml(twiml);
    expect(stream.url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${handle.port}/twilio/stream/${placed.callRef}/[0-9a-z]+\\.[\\w-]{43}$`));
    expect(stream.parameters).toEqual({ callRef: placed.callRef, direction: 'outbound', from: '+14155550199', to: '+14155550123' });
    expect(twiml).not.toContain('<Say');

    const call = await simulator.connect(twiml, placed.callId);
    calls.set(placed.callId, call);
    const amdQuery = new URL(created.form.get('AsyncAmdStatusCallback')!).search;
    // The machine answered; its greeting is still playing: the agent says nothing yet.
    expect((await simulator.amdCallback(placed.callId, 'machine_start', amdQuery)).status).toBe(204);
    await settle();
    expect(tts.texts).toEqual([]);
    expect(call.media.items).toHaveLength(0);
    expect(hangups).toEqual([]);

    // The beep: the voicemail in the agent's TTS voice, with the call's variables, then the hang-up.
    const beepAt = performance.now();
    expect((await simulator.amdCallback(placed.callId, 'machine_end_beep', amdQuery)).status).toBe(204);
    await waitFor(() => hangups.length === 1, 8_000);
    const message = 'Hi Ada, please call Acme back.';
    expect(tts.texts).toEqual([message]);
    expect(voiced(call)).toBe(message.length * 80);
    expect(call.media.items.every((frame) => frame.bytes % 160 === 0)).toBe(true);
    // Hung up only once the message had played (at real time) and its marks had come back played.
    expect(hangups[0]!.at - beepAt).toBeGreaterThanOrEqual(message.length * 10 - 20);
    expect(hangups[0]!.at).toBeGreaterThanOrEqual(call.media.items.at(-1)!.at);
    expect(call.marks.items.length).toBeGreaterThanOrEqual(1);
    expect(call.marks.items.every((mark) => mark.echoedAt !== undefined && mark.echoedAt <= hangups[0]!.at && !mark.discarded)).toBe(true);
    // One REST update, and it is the hang-up: no carrier <Say>, no <Play>.
    expect(api.updates.items.map((update) => [...update.form])).toEqual([[['Status', 'completed']]]);
    expect(hangups[0]!.callSid).toBe(placed.callId);
    expect(stt.streams).toBe(0); // no conversation with a machine

    await waitFor(() => ends.length === 1);
    expect(ends[0]).toMatchObject({ callId: placed.callId, callRef: placed.callRef, reason: 'voicemail' });
    expect(ends[0]!.durationMs).toBeGreaterThanOrEqual(message.length * 10 - 20);
    expect(call.violations).toEqual([]);
  });

  it('a human result (even one that arrived before the stream) starts the conversation with the first message', async () => {
    const { phone, api, simulator, calls, hangups, stt, tts, ends, agent } = await start();
    const placed = await phone.call({ to: '+14155550123', agent, variables: { name: 'Ada' }, voicemailMessage: VOICEMAIL });
    const created = await api.calls.next();
    const amdQuery = new URL(created.form.get('AsyncAmdStatusCallback')!).search;
    expect((await simulator.amdCallback(placed.callId, 'human', amdQuery)).status).toBe(204);

    const call = await simulator.connect(created.form.get('Twiml')!, placed.callId);
    calls.set(placed.callId, call);
    const greeting = 'Hi Ada, this is Acme.';
    await waitFor(() => voiced(call) >= greeting.length * 80, 20_000);
    await settle(100);
    expect(tts.texts).toEqual([greeting]);
    expect(stt.streams).toBe(1);
    expect(hangups).toEqual([]);

    await call.stop();
    await waitFor(() => ends.length === 1);
    expect(ends[0]).toMatchObject({ callId: placed.callId, reason: 'caller_hangup' });
    expect(tts.texts).toEqual([greeting]); // the voicemail was never spoken
  });
});

describe('Telnyx outbound call with AMD', () => {
  async function start() {
    const api = await new FakeTelnyxApi('KEY_amd').start();
    closers.push(() => api.close());
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const app = await serve(new Telnyx({ apiKey: 'KEY_amd', publicKey: rawPublicKeyBase64(publicKey), baseUrl: `${api.url}/v2`, connectionId: 'conn-amd' }));
    const simulator = new TelnyxSimulator({ serverUrl: app.handle.url, api, privateKey });
    const calls = new Map<string, TelnyxSimulatedCall>();
    const hangups: { callControlId: string; at: number }[] = [];
    api.onHangup = (callControlId) => {
      hangups.push({ callControlId, at: performance.now() });
      void calls.get(callControlId)?.stop();
    };
    return { ...app, api, simulator, calls, hangups };
  }

  it('phone.call() dials with every field; a machine waits for the greeting end, hears the voicemail, then is hung up', async () => {
    const { phone, api, simulator, calls, hangups, stt, tts, ends, agent, handle } = await start();
    const placed = await phone.call({ to: '+14155550123', agent, variables: { name: 'Ada' }, voicemailMessage: VOICEMAIL });

    const dial = await api.dials.next();
    expect(dial.callControlId).toBe(placed.callId);
    const request = api.requests.items.find((r) => r.path === '/v2/calls')!;
    expect(request.method).toBe('POST');
    expect(request.headers.authorization).toBe('Bearer KEY_amd');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    const { client_state: clientState, command_id: commandId, stream_url: streamUrl, ...rest } = dial.body;
    expect(rest).toEqual({
      connection_id: 'conn-amd',
      to: '+14155550123',
      from: '+14155550199',
      stream_track: 'inbound_track',
      stream_codec: 'PCMU',
      stream_bidirectional_mode: 'rtp',
      stream_bidirectional_codec: 'PCMU',
      webhook_url: `${handle.publicUrl}/telnyx/webhook`,
      timeout_secs: 60,
      answering_machine_detection: 'greeting_end',
    });
    expect(String(streamUrl)).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${handle.port}/telnyx/stream/${placed.callRef}/[0-9a-z]+\\.[\\w-]{43}$`));
    expect(commandId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(Buffer.from(String(clientState), 'base64').toString('utf8'))).toEqual({ callRef: placed.callRef, direction: 'outbound' });

    const call = await simulator.answerOutbound(dial);
    calls.set(placed.callId, call);
    const ids = { ...call.payload, client_state: call.clientState };
    expect((await simulator.webhook('call.machine.detection.ended', { ...ids, result: 'machine' })).status).toBe(200);
    await settle();
    expect(tts.texts).toEqual([]);
    expect(call.media.items).toHaveLength(0);

    const beepAt = performance.now();
    expect((await simulator.webhook('call.machine.greeting.ended', { ...ids, result: 'beep_detected' })).status).toBe(200);
    await waitFor(() => hangups.length === 1, 8_000);
    const message = 'Hi Ada, please call Acme back.';
    expect(tts.texts).toEqual([message]);
    expect(voiced(call)).toBe(message.length * 80);
    expect(call.media.items.every((frame) => frame.bytes % 160 === 0)).toBe(true);
    expect(hangups[0]!.at - beepAt).toBeGreaterThanOrEqual(message.length * 10 - 20);
    expect(call.marks.items.every((mark) => mark.echoedAt !== undefined && mark.echoedAt <= hangups[0]!.at && !mark.discarded)).toBe(true);
    // The only call commands: the hang-up. No `speak` or `playback_start` by the carrier.
    expect(api.commands.items.map((command) => command.action)).toEqual(['hangup']);
    expect(stt.streams).toBe(0);

    await waitFor(() => ends.length === 1);
    await settle(100);
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ callId: placed.callId, callRef: placed.callRef, reason: 'voicemail' });
    expect(call.violations).toEqual([]);
  });

  it('a human result starts the conversation with the first message', async () => {
    const { phone, api, simulator, calls, hangups, stt, tts, ends, agent } = await start();
    const placed = await phone.call({ to: '+14155550123', agent, variables: { name: 'Ada' }, voicemailMessage: VOICEMAIL });
    const call = await simulator.answerOutbound(await api.dials.next());
    calls.set(placed.callId, call);
    await settle(100);
    expect(tts.texts).toEqual([]); // waiting for the AMD result
    await simulator.webhook('call.machine.detection.ended', { ...call.payload, client_state: call.clientState, result: 'human' });
    const greeting = 'Hi Ada, this is Acme.';
    await waitFor(() => voiced(call) >= greeting.length * 80, 20_000);
    expect(tts.texts).toEqual([greeting]);
    expect(stt.streams).toBe(1);
    expect(hangups).toEqual([]);
    await call.stop();
    await waitFor(() => ends.length === 1);
    expect(ends[0]).toMatchObject({ callId: placed.callId, reason: 'caller_hangup' });
  });
});
