import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALAW_8K, ConfigError, type Logger } from '@patter/core';
import { CarrierHarness, FakeTelnyxApi, TelnyxSimulator, rawPublicKeyBase64 } from '@patter/testing';
import { decodeClientState } from './telnyx-client-state.js';
import { Telnyx, type TelnyxOptions } from './telnyx.js';

const warnings: string[] = [];
const logger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (_f, message) => warnings.push(message),
  error: (_f, message) => warnings.push(message),
  child: () => logger,
};

let api: FakeTelnyxApi;
let harness: CarrierHarness;
let sim: TelnyxSimulator;

async function setup(options: TelnyxOptions = {}) {
  warnings.length = 0;
  api = await new FakeTelnyxApi('KEY_fixture').start();
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const carrier = new Telnyx({ apiKey: 'KEY_fixture', publicKey: rawPublicKeyBase64(publicKey), baseUrl: `${api.url}/v2`, connectionId: 'conn-1', ...options });
  harness = await CarrierHarness.start(carrier, { logger });
  sim = new TelnyxSimulator({ serverUrl: harness.publicUrl, api, privateKey });
}

afterEach(async () => {
  await harness.close();
  await api.close();
});

describe('Telnyx inbound call through the simulator', () => {
  beforeEach(() => setup());

  it('answers with bidirectional RTP streaming, field by field', async () => {
    const call = await sim.inboundCall();
    const answer = api.commands.items[0]!;
    const request = api.requests.items.find((r) => r.path.endsWith('/actions/answer'))!;
    expect(request.path).toBe(`/v2/calls/${encodeURIComponent(call.callControlId)}/actions/answer`);
    expect(request.headers.authorization).toBe('Bearer KEY_fixture');
    expect(request.headers['content-type']).toBe('application/json');
    expect(Object.keys(answer.body).sort()).toEqual(
      ['client_state', 'command_id', 'stream_bidirectional_codec', 'stream_bidirectional_mode', 'stream_codec', 'stream_track', 'stream_url'].sort(),
    );
    expect(answer.body).toMatchObject({
      stream_url: `${harness.publicUrl.replace('http', 'ws')}/telnyx/stream/ref-1`,
      stream_track: 'inbound_track',
      stream_codec: 'PCMU',
      stream_bidirectional_mode: 'rtp',
      stream_bidirectional_codec: 'PCMU',
    });
    expect(answer.body.command_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(decodeClientState(String(answer.body.client_state))).toEqual({ callRef: 'ref-1', direction: 'inbound' });
    const server = await harness.calls.next();
    await server.started;
    expect(server.transport.info).toMatchObject({ callId: call.callControlId, callRef: 'ref-1', carrier: 'telnyx', from: '+14155550100', to: '+14155550199', parameters: { callRef: 'ref-1' } });
    await call.stop();
  });

  it('carries audio both ways: in order and intact in; paced whole 20 ms frames out, five to a message; marks, clear, DTMF, stop once', async () => {
    const call = await sim.inboundCall();
    const server = await harness.calls.next();
    await server.started;
    const audio = Uint8Array.from({ length: 4000 }, (_, i) => (i * 3) % 256);
    await call.sendAudio(audio);
    await call.sendDtmf('9');
    expect(await server.dtmf.next()).toBe('9');
    expect(Buffer.concat(server.audio.items)).toEqual(Buffer.from(audio));

    const reply = Uint8Array.from({ length: 2400 + 10 }, (_, i) => i % 200);
    server.transport.sendAudio(reply);
    server.transport.mark('reply-1');
    expect(await server.marks.next(3000)).toBe('reply-1');
    // 15 whole frames and the tail, padded to a whole frame when the mark was placed: three 5-frame
    // messages (the default messageMs, 100 ms) and the last frame on its own.
    expect(call.media.items.map((m) => m.bytes)).toEqual([800, 800, 800, 160]);
    expect(call.receivedAudio().subarray(0, reply.byteLength)).toEqual(Buffer.from(reply));
    const mark = call.marks.items[0]!;
    expect(mark.echoedAt! - call.media.items[0]!.at).toBeGreaterThanOrEqual(300);

    // A mark queued behind 2 s of audio is still local when the clear comes: it is dropped unsent.
    server.transport.sendAudio(new Uint8Array(16000).fill(0xff));
    server.transport.mark('reply-2');
    await new Promise((r) => setTimeout(r, 200));
    server.transport.clear();
    expect(server.transport.pendingMs()).toBe(0);
    await call.clears.next();
    // A mark already at the carrier is echoed by the clear: discarded, not played.
    server.transport.sendAudio(new Uint8Array(640).fill(0xff));
    server.transport.mark('reply-3');
    await call.marks.waitFor((m) => m.name === 'reply-3');
    server.transport.clear();
    await new Promise((r) => setTimeout(r, 100));
    expect(call.marks.items.map((m) => [m.name, m.discarded])).toEqual([['reply-1', false], ['reply-3', true]]);
    expect(server.marks.items).toEqual(['reply-1']);
    expect(call.violations).toEqual([]);

    await call.stop();
    await new Promise((r) => setTimeout(r, 50));
    expect(server.stops.items).toEqual(['caller_hangup']);
    expect(harness.events.items.filter((e) => e.type === 'ended')).toEqual([{ type: 'ended', callId: call.callControlId, callRef: 'ref-1', reason: 'normal_clearing' }]);
  });

  it('logs and drops bad input and keeps the call', async () => {
    const call = await sim.inboundCall();
    const server = await harness.calls.next();
    await server.started;
    const media = (chunk: number, payload: string, stream: string = call.streamId) =>
      JSON.stringify({ event: 'media', sequence_number: '5', media: { track: 'inbound', chunk: String(chunk), timestamp: '0', payload }, stream_id: stream });
    call.sendRaw('][');
    call.sendRaw(JSON.stringify({ event: 'wobble', stream_id: call.streamId }));
    call.sendRaw(media(1, '****'));
    call.sendRaw(media(2, 'AQID', 'another-stream'));
    call.sendRaw(media(3, 'A'.repeat(20_000)));
    call.sendRaw(media(7, 'BwcH'));
    call.sendRaw(media(6, 'BgYG'));
    call.sendRaw(JSON.stringify({ event: 'media', sequence_number: '9', media: { track: 'outbound', chunk: '8', payload: 'CAgI' }, stream_id: call.streamId }));
    call.sendRaw(JSON.stringify({ event: 'error', payload: { code: 100002, title: 'unknown_error' }, stream_id: call.streamId }));
    call.sendRaw(media(9, 'CQkJ'));
    await server.audio.waitFor((a) => a[0] === 9);
    expect(server.audio.items.map((a) => a[0])).toEqual([7, 9]);
    expect(warnings).toEqual(
      expect.arrayContaining([
        'malformed media stream frame',
        'unknown media stream event',
        'media payload is not base64',
        'message for an unknown stream',
        'oversized media payload',
        'media chunk out of order',
        'carrier reported a media stream error',
      ]),
    );
    expect(server.stops.items).toEqual([]);
    await call.stop();
  });
});

describe('Telnyx call control', () => {
  beforeEach(() => setup());

  it('hangup is idempotent (90018 is success); transfer and recording send the right commands', async () => {
    const call = await sim.inboundCall();
    const server = await harness.calls.next();
    await server.started;
    await server.transport.transfer('+15550001234');
    await server.transport.startRecording!();
    await Promise.all([server.transport.hangup(), server.transport.hangup()]);
    const [, transfer, record, hangup] = api.commands.items;
    expect(transfer).toMatchObject({ action: 'transfer', body: { to: '+15550001234' } });
    expect(Object.keys(transfer!.body).sort()).toEqual(['command_id', 'to']);
    expect(record).toMatchObject({ action: 'record_start', body: { channels: 'dual', format: 'wav' } });
    expect(hangup).toMatchObject({ action: 'hangup', callControlId: call.callControlId });
    expect(api.commands.items.filter((c) => c.action === 'hangup')).toHaveLength(1);
    await expect((harness.carrier as Telnyx).hangup(call.callControlId)).resolves.toBeUndefined();
    await call.stop();
  });

  it('dials out with stream_url, bidirectional RTP and AMD, and the stream starts', async () => {
    const { callId, callRef } = await harness.placeCall({ to: '+15550009999', from: '+15550001111', machineDetection: true });
    const dial = await api.dials.next();
    expect(callId).toBe(dial.callControlId);
    expect(api.requests.items[0]!.path).toBe('/v2/calls');
    expect(Object.keys(dial.body).sort()).toEqual(
      [
        'answering_machine_detection',
        'client_state',
        'command_id',
        'connection_id',
        'from',
        'stream_bidirectional_codec',
        'stream_bidirectional_mode',
        'stream_codec',
        'stream_track',
        'stream_url',
        'timeout_secs',
        'to',
        'webhook_url',
      ].sort(),
    );
    expect(dial.body).toMatchObject({
      connection_id: 'conn-1',
      to: '+15550009999',
      from: '+15550001111',
      stream_url: harness.streamUrl(callRef),
      stream_track: 'inbound_track',
      stream_codec: 'PCMU',
      stream_bidirectional_mode: 'rtp',
      stream_bidirectional_codec: 'PCMU',
      webhook_url: `${harness.publicUrl}/telnyx/webhook`,
      timeout_secs: 60,
      answering_machine_detection: 'greeting_end',
    });
    expect(decodeClientState(String(dial.body.client_state))).toEqual({ callRef, direction: 'outbound' });
    const call = await sim.answerOutbound(dial);
    const server = await harness.calls.next();
    await server.started;
    expect(server.transport.info).toMatchObject({ callId, callRef, direction: 'outbound' });

    const ids = { ...call.payload, client_state: call.clientState };
    await sim.webhook('call.machine.detection.ended', { ...ids, result: 'machine' });
    await sim.webhook('call.machine.greeting.ended', { ...ids, result: 'beep_detected' });
    await sim.webhook('call.machine.premium.detection.ended', { ...ids, result: 'human_residence' });
    await sim.webhook('call.recording.saved', { ...ids, recording_urls: { wav: 'https://rec.example/x.wav', mp3: null }, recording_started_at: '2026-01-05T10:00:00Z', recording_ended_at: '2026-01-05T10:00:12Z' });
    const amd = harness.events.items.filter((e) => e.type === 'machineDetection' || e.type === 'recording');
    expect(amd).toEqual([
      { type: 'machineDetection', callId, callRef, result: 'machine', greetingEnded: false },
      { type: 'machineDetection', callId, callRef, result: 'machine', greetingEnded: true },
      { type: 'machineDetection', callId, callRef, result: 'human', greetingEnded: false },
      { type: 'recording', callId, callRef, url: 'https://rec.example/x.wav', durationSeconds: 12 },
    ]);
    await call.stop();
  });

  it('rejects inbound calls while not accepting', async () => {
    harness.accepting = false;
    await sim.webhook('call.initiated', { call_control_id: 'v3:busy', direction: 'incoming', from: '+1', to: '+2', client_state: null });
    api.addCall('v3:busy');
    await sim.webhook('call.initiated', { call_control_id: 'v3:busy', direction: 'incoming', from: '+1', to: '+2', client_state: null });
    const reject = await api.commands.next();
    expect(reject).toMatchObject({ callControlId: 'v3:busy', action: 'reject', body: { cause: 'USER_BUSY' } });
  });
});

describe('Telnyx options', () => {
  it('streams A-law when codec is PCMA', async () => {
    await setup({ codec: 'PCMA' });
    expect(harness.carrier.mediaFormat).toEqual(ALAW_8K);
    const call = await sim.inboundCall();
    expect(api.commands.items[0]!.body).toMatchObject({ stream_codec: 'PCMA', stream_bidirectional_codec: 'PCMA' });
    const server = await harness.calls.next();
    await server.started;
    server.transport.sendAudio(new Uint8Array(100).fill(1));
    server.transport.mark('m');
    await call.marks.next();
    expect([...call.receivedAudio().subarray(100)].every((b) => b === 0xd5)).toBe(true); // A-law silence padding
    expect(warnings).not.toContain('carrier streams an unexpected format');
    await call.stop();
  });

  it('names bad options at construction', async () => {
    await setup();
    const publicKey = rawPublicKeyBase64(generateKeyPairSync('ed25519').publicKey);
    const env = { ...process.env };
    delete process.env.TELNYX_API_KEY;
    delete process.env.TELNYX_PUBLIC_KEY;
    delete process.env.TELNYX_CONNECTION_ID;
    try {
      expect(() => new Telnyx({ publicKey })).toThrow(/apiKey.*TELNYX_API_KEY/);
      expect(() => new Telnyx({ apiKey: 'k' })).toThrow(/publicKey.*TELNYX_PUBLIC_KEY/);
      expect(() => new Telnyx({ apiKey: 'k', publicKey, codec: 'G722' as never })).toThrow(ConfigError);
      expect(() => new Telnyx({ apiKey: 'k', publicKey, ringTimeoutSecs: 2 })).toThrow(/ringTimeoutSecs/);
      expect(() => new Telnyx({ apiKey: 'k', publicKey, machineDetection: 'magic' as never })).toThrow(/machineDetection/);
      const noConnection = new Telnyx({ apiKey: 'k', publicKey, baseUrl: `${api.url}/v2` });
      const h = await CarrierHarness.start(noConnection);
      await expect(h.placeCall({ to: '+1', from: '+2' })).rejects.toThrow(/connectionId/);
      await h.close();
    } finally {
      process.env = env;
    }
  });
});
