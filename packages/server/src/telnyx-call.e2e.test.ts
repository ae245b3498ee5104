import { generateKeyPairSync } from 'node:crypto';
import { silentLogger, type CallEndSummary } from '@patter/core';
import { FakeTelnyxApi, loadFixture, rawPublicKeyBase64, TelnyxSimulator } from '@patter/testing';
import { Telnyx } from '@patter/telnyx';
import { afterEach, describe, expect, it } from 'vitest';
import { Patter } from './patter.js';
import type { ServerHandle } from './serve.js';
import { RecordingSession } from './test-support/recording-session.js';
import { inertAgentOptions, waitFor } from './test-support/test-server.js';

let handle: ServerHandle | undefined;
let api: FakeTelnyxApi | undefined;
afterEach(async () => {
  await handle?.close({ timeoutMs: 0 });
  await api?.close();
  handle = undefined;
  api = undefined;
});

async function startTelnyxServer(ends: CallEndSummary[]) {
  api = await new FakeTelnyxApi('KEY_e2e').start();
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const carrier = new Telnyx({ apiKey: 'KEY_e2e', publicKey: rawPublicKeyBase64(publicKey), baseUrl: `${api.url}/v2`, connectionId: 'conn-1' });
  const sessions: RecordingSession[] = [];
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
  const simulator = new TelnyxSimulator({ serverUrl: handle.url, api, privateKey });
  return { phone, simulator, sessions, handle };
}

describe('Telnyx inbound call through the real server', () => {
  it('answers with a tokenized stream, carries audio both ways with marks, clear and DTMF, and ends once', async () => {
    const ends: CallEndSummary[] = [];
    const { simulator, sessions } = await startTelnyxServer(ends);
    const call = await simulator.inboundCall({ from: '+14155550100' });

    const answer = api!.commands.items.find((command) => command.action === 'answer')!;
    expect(answer.body).toMatchObject({ stream_bidirectional_mode: 'rtp', stream_codec: 'PCMU' });
    expect(String(answer.body.stream_url)).toMatch(
      new RegExp(`^ws://127\\.0\\.0\\.1:${handle!.port}/telnyx/stream/[0-9a-f]{32}/[0-9a-z]+\\.[\\w-]{43}$`),
    );
    const forged = await simulator.webhook('call.initiated', { call_control_id: 'v3:x' }, { signature: 'AAAA' });
    expect(forged.status).toBe(403);

    await waitFor(() => sessions.length === 1 && sessions[0]!.options.transport.info !== undefined);
    const session = sessions[0]!;
    const transport = session.options.transport;
    expect(transport.info).toMatchObject({ callId: call.callControlId, direction: 'inbound', carrier: 'telnyx' });

    const speech = loadFixture('hello-there', 'mulaw-8k').bytes.subarray(0, 160 * 25);
    await call.sendAudio(speech);
    await waitFor(() => session.audio.length === 25);
    expect(Buffer.concat(session.audio)).toEqual(Buffer.from(speech));

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

    const before = call.media.items.length;
    transport.sendAudio(new Uint8Array(16_000).fill(0x55));
    transport.mark('reply-2');
    await waitFor(() => call.media.items.length > before + 10);
    transport.clear();
    await waitFor(() => call.clears.items.length === 1);
    const framesAtClear = call.media.items.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(call.media.items.length - framesAtClear).toBeLessThanOrEqual(1);
    expect(transport.pendingMs()).toBe(0);
    expect(session.marks).toEqual(['reply-1']);

    await call.sendDtmf('4');
    await waitFor(() => session.dtmf.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(session.dtmf).toEqual(['4']);

    await call.stop();
    await waitFor(() => ends.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ callId: call.callControlId, reason: 'caller_hangup' });
    expect(ends[0]!.durationMs).toBeGreaterThan(500);
    expect(call.violations).toEqual([]);
  });
});

describe('Telnyx outbound call through the real server', () => {
  it("dials with stream_url for that call, and routes AMD to that call's session", async () => {
    const ends: CallEndSummary[] = [];
    const { phone, simulator, sessions } = await startTelnyxServer(ends);
    const agent = phone.agent({ ...(inertAgentOptions as object), systemPrompt: 'outbound' });
    const placed = await phone.call({ to: '+14155550123', agent, variables: { name: 'Ada' }, machineDetection: true });
    const dial = await api!.dials.next();
    expect(dial.body).toMatchObject({ to: '+14155550123', from: '+14155550199', connection_id: 'conn-1', stream_bidirectional_mode: 'rtp' });
    expect(String(dial.body.stream_url)).toContain(`/telnyx/stream/${placed.callRef}/`);
    expect(dial.callControlId).toBe(placed.callId);

    const call = await simulator.answerOutbound(dial);
    await waitFor(() => sessions.length === 1 && sessions[0]!.options.transport.info !== undefined);
    const session = sessions[0]!;
    expect(session.options.agent.systemPrompt).toBe('outbound');
    expect(session.options.overrides).toMatchObject({ variables: { name: 'Ada' }, machineDetection: true });
    expect(session.options.transport.info?.direction).toBe('outbound');

    await simulator.webhook('call.machine.premium.greeting.ended', {
      ...call.payload,
      client_state: call.clientState,
      result: 'beep_detected',
    });
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
