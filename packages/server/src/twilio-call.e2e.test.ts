import { silentLogger, type CallEndSummary } from '@patter/core';
import { FakeTwilioApi, loadFixture, parseStreamTwiml, TwilioSimulator } from '@patter/testing';
import { Twilio } from '@patter/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { Patter } from './patter.js';
import type { ServerHandle } from './serve.js';
import { RecordingSession } from './test-support/recording-session.js';
import { inertAgentOptions, waitFor } from './test-support/test-server.js';

const ACCOUNT_SID = 'AC' + 'a1'.repeat(16);
const AUTH_TOKEN = 'twilio-auth-token-for-tests';

let handle: ServerHandle | undefined;
let api: FakeTwilioApi | undefined;
afterEach(async () => {
  await handle?.close({ timeoutMs: 0 });
  await api?.close();
  handle = undefined;
  api = undefined;
});

async function startTwilioServer(ends: CallEndSummary[]) {
  api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
  const sessions: RecordingSession[] = [];
  const carrier = new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url });
  const phone = new Patter({
    carrier,
    phoneNumber: '+14155550199',
    logger: silentLogger,
    createSession: (options) => {
      const session = new RecordingSession(options);
      sessions.push(session);
      return session;
    },
  });
  handle = await phone.serve({
    agent: phone.agent(inertAgentOptions),
    port: 0,
    host: '127.0.0.1',
    shutdownSignals: false,
    onCallEnd: (summary) => void ends.push(summary),
  });
  const simulator = new TwilioSimulator({ serverUrl: handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
  return { phone, simulator, sessions, handle };
}

describe('Twilio inbound call through the real server', () => {
  it('answers with a valid stream, carries audio both ways with marks, clear and DTMF, and ends once', async () => {
    const ends: CallEndSummary[] = [];
    const { simulator, sessions } = await startTwilioServer(ends);

    // Webhook answer: TwiML <Connect><Stream> to our stream path with a token for this call.
    const answer = await simulator.webhook('/twilio/voice', {
      AccountSid: ACCOUNT_SID,
      CallSid: 'CA' + 'f0'.repeat(16),
      CallStatus: 'ringing',
      Direction: 'inbound',
      From: '+14155550100',
      To: '+14155550199',
    });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/xml/);
    const stream = parseStreamTwiml(answer.body);
    expect(stream.url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${handle!.port}/twilio/stream/[0-9a-f]{32}/[0-9a-z]+\\.[\\w-]{43}$`));
    const unsigned = await simulator.webhook('/twilio/voice', { CallSid: 'CAx' }, { signature: 'bad' });
    expect(unsigned.status).toBe(403);

    const call = await simulator.inboundCall({ from: '+14155550100' });
    await waitFor(() => sessions.length === 1 && sessions[0]!.options.transport.info !== undefined);
    const session = sessions[0]!;
    const transport = session.options.transport;
    expect(transport.info).toMatchObject({ callId: call.callSid, direction: 'inbound', carrier: 'twilio' });

    // Caller audio: frames arrive in order and intact.
    const speech = loadFixture('hello-there', 'mulaw-8k').bytes.subarray(0, 160 * 25);
    await call.sendAudio(speech);
    await waitFor(() => session.audio.length === 25);
    expect(Buffer.concat(session.audio)).toEqual(Buffer.from(speech));
    expect(session.audio.every((frame) => frame.byteLength === 160)).toBe(true);

    // Agent audio: 600 ms leaves as 20 ms frames paced at real time, then the mark comes back.
    const reply = new Uint8Array(4800).map((_, i) => i % 251);
    const sentAt = performance.now();
    transport.sendAudio(reply);
    transport.mark('reply-1');
    await waitFor(() => session.marks.includes('reply-1'), 15_000);
    expect(call.media.items.every((frame) => frame.bytes % 160 === 0)).toBe(true);
    expect(Buffer.from(call.receivedAudio())).toEqual(Buffer.from(reply));
    const arrivals = call.media.items.map((frame) => frame.at);
    // Paced: frame k leaves no earlier than k × 20 − 100 ms after the send (80 ms lead + one frame), so
    // the last of the 30 not before 480 ms. Measured from the send: load only makes frames later.
    expect(arrivals.at(-1)! - sentAt).toBeGreaterThan(400);
    expect(call.marks.items[0]).toMatchObject({ name: 'reply-1', discarded: false });

    // Barge-in: clear drops what is queued (2 s of audio, paced out only ~80 ms ahead) and its mark.
    const before = call.media.items.length;
    const bargeSentAt = performance.now();
    transport.sendAudio(new Uint8Array(16_000).fill(0x55));
    transport.mark('reply-2');
    await waitFor(() => call.media.items.length > before + 10);
    transport.clear();
    const clearedAfterMs = performance.now() - bargeSentAt;
    await waitFor(() => call.clears.items.length === 1);
    const framesAtClear = call.media.items.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(call.media.items.length - framesAtClear).toBeLessThanOrEqual(1);
    // Only real time plus the lead went out before the clear (relative to the time that passed, so a
    // loaded machine cannot break it), far from the 100 frames queued.
    expect(call.media.items.length - before).toBeLessThanOrEqual(Math.ceil(clearedAfterMs / 20) + 6);
    expect(call.media.items.length - before).toBeLessThan(100);
    expect(transport.pendingMs()).toBe(0);
    expect(session.marks).toEqual(['reply-1']);

    call.sendDtmf('7');
    await waitFor(() => session.dtmf.length === 1);
    expect(session.dtmf).toEqual(['7']);

    await call.stop();
    await waitFor(() => ends.length === 1);
    await simulator.statusCallback(call.callSid, 'completed');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ callId: call.callSid, reason: 'caller_hangup' });
    expect(ends[0]!.durationMs).toBeGreaterThan(500);
    expect(call.violations).toEqual([]);
  });
});

describe('Twilio outbound call through the real server', () => {
  it('dials with the REST API, connects the stream to that call\'s agent, and routes AMD to it', async () => {
    const ends: CallEndSummary[] = [];
    const { phone, simulator, sessions } = await startTwilioServer(ends);
    const agent = phone.agent({ ...(inertAgentOptions as object), systemPrompt: 'Remind {name} of the appointment' });
    const placed = await phone.call({ to: '+14155550123', agent, variables: { name: 'Ada' }, voicemailMessage: 'Please call back' });

    const created = await api!.calls.next();
    expect(created.sid).toBe(placed.callId);
    expect(created.form.get('To')).toBe('+14155550123');
    expect(created.form.get('From')).toBe('+14155550199');
    expect(created.form.get('MachineDetection')).toBe('DetectMessageEnd');
    const stream = parseStreamTwiml(created.form.get('Twiml')!);
    expect(stream.url).toContain(`/twilio/stream/${placed.callRef}/`);

    const call = await simulator.connect(created.form.get('Twiml')!, placed.callId);
    await waitFor(() => sessions.length === 1);
    const session = sessions[0]!;
    expect(session.options.agent.systemPrompt).toBe('Remind {name} of the appointment');
    expect(session.options.overrides).toMatchObject({ variables: { name: 'Ada' }, voicemailMessage: 'Please call back', machineDetection: true });
    await waitFor(() => session.options.transport.info !== undefined);
    expect(session.options.transport.info?.direction).toBe('outbound');

    const amdUrl = new URL(created.form.get('AsyncAmdStatusCallback')!);
    const amd = await simulator.amdCallback(placed.callId, 'machine_end_beep', amdUrl.search);
    expect(amd.status).toBeLessThan(300);
    await waitFor(() => session.carrierEvents.some((event) => event.type === 'machineDetection'));
    expect(session.carrierEvents.find((event) => event.type === 'machineDetection')).toMatchObject({
      callId: placed.callId,
      result: 'machine',
      greetingEnded: true,
    });
    await call.stop();
    await waitFor(() => ends.length === 1);
    expect(ends[0]).toMatchObject({ callId: placed.callId, callRef: placed.callRef });
  });
});
