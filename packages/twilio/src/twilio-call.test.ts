import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '@patter/core';
import { mulawToPcm16 } from '@patter/core/plugin';
import { readFileSync } from 'node:fs';
import { CarrierHarness, FakeTwilioApi, TwilioSimulator, fixturePath } from '@patter/testing';
import { Twilio } from './twilio.js';

const ACCOUNT = 'AC00000000000000000000000000000001';
const TOKEN = 'fixture_auth_token_not_real_0001';

const warnings: string[] = [];
const logger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (_f, message) => warnings.push(message),
  error: (_f, message) => warnings.push(message),
  child: () => logger,
};

let api: FakeTwilioApi;
let harness: CarrierHarness;
let sim: TwilioSimulator;

beforeEach(async () => {
  warnings.length = 0;
  api = await new FakeTwilioApi(ACCOUNT, ACCOUNT, TOKEN).start();
  harness = await CarrierHarness.start(new Twilio({ accountSid: ACCOUNT, authToken: TOKEN, baseUrl: api.url }), { logger });
  sim = new TwilioSimulator({ serverUrl: harness.publicUrl, authToken: TOKEN, accountSid: ACCOUNT });
});
afterEach(async () => {
  await harness.close();
  await api.close();
});

const ROWS = [697, 770, 852, 941];
const COLS = [1209, 1336, 1477, 1633];

/** Power of `freq` in `length` samples at 8 kHz from `start` (Goertzel). */
function goertzel(samples: Int16Array, start: number, length: number, freq: number): number {
  const k = 2 * Math.cos((2 * Math.PI * freq) / 8000);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < length; i++) {
    const s = samples[start + i]! + k * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return s1 * s1 + s2 * s2 - k * s1 * s2;
}

/** 1 s of caller "audio": a byte ramp, so order and integrity are visible. */
const callerAudio = Uint8Array.from({ length: 8000 }, (_, i) => i % 256);

describe('Twilio inbound call through the simulator', () => {
  it('audio in arrives in order and intact; DTMF arrives; stop ends the call once', async () => {
    const call = await sim.inboundCall({ from: '+14155550100', to: '+14155550199' });
    const server = await harness.calls.next();
    await server.started;
    expect(server.transport.info).toMatchObject({
      callId: call.callSid,
      callRef: 'ref-1',
      streamId: call.streamSid,
      carrier: 'twilio',
      direction: 'inbound',
      from: '+14155550100',
      to: '+14155550199',
    });
    await call.sendAudio(callerAudio);
    call.sendDtmf('5');
    call.sendDtmf('#');
    await server.dtmf.waitFor((d) => d === '#');
    expect(server.dtmf.items).toEqual(['5', '#']);
    expect(server.audio.items).toHaveLength(50);
    expect(server.audio.items.every((frame) => frame.byteLength === 160)).toBe(true);
    expect(Buffer.concat(server.audio.items)).toEqual(Buffer.from(callerAudio));
    await call.stop();
    await server.stops.next();
    await new Promise((r) => setTimeout(r, 50));
    expect(server.stops.items).toEqual(['caller_hangup']);
    expect(call.violations).toEqual([]);
  });

  it('a WAV fixture sent at real time reaches the transport in order and intact', async () => {
    const call = await sim.inboundCall();
    const server = await harness.calls.next();
    await server.started;
    const started = performance.now();
    const sent = await call.sendWav(readFileSync(fixturePath('okay', 'mulaw-8k')));
    const elapsed = performance.now() - started;
    await server.audio.waitFor(() => Buffer.concat(server.audio.items).byteLength >= sent.byteLength);
    expect(Buffer.concat(server.audio.items)).toEqual(Buffer.from(sent));
    expect(elapsed).toBeGreaterThan((sent.byteLength / 8) * 0.9 - 20); // paced at real time
    await call.stop();
  });

  it('agent audio goes out as whole 20 ms μ-law frames, five to a message, paced at real time, and marks round-trip after playback', async () => {
    const call = await sim.inboundCall();
    const server = await harness.calls.next();
    await server.started;
    const agentAudio = Uint8Array.from({ length: 4000 + 77 }, (_, i) => (i * 7) % 256); // 509.6 ms, odd length
    const sentAt = performance.now();
    server.transport.sendAudio(agentAudio.subarray(0, 1234));
    server.transport.sendAudio(agentAudio.subarray(1234));
    server.transport.mark('greeting');
    const echoed = await server.marks.next(3000);
    const markAt = performance.now();
    expect(echoed).toBe('greeting');
    const frames = call.media.items;
    // 25 whole frames and the tail, padded to a whole frame when the mark was placed (26 × 160 bytes):
    // five 5-frame messages (100 ms each, the default messageMs) and the last frame on its own.
    expect(frames.map((f) => f.bytes)).toEqual([...Array(5).fill(800), 160]);
    expect(call.receivedAudio().subarray(0, agentAudio.byteLength)).toEqual(Buffer.from(agentAudio));
    expect(call.receivedAudio().subarray(agentAudio.byteLength).every((b) => b === 0xff)).toBe(true); // padded with μ-law silence
    // Paced at real time: frame k leaves once fewer than lead + one frame (100 ms) are buffered, i.e.
    // no earlier than k × 20 − 100 ms after the send (with the frames after it in the same message), so
    // the last message (frame 25, from 0) not before 400 ms.
    // Measured from the send, not from the first frame: on a loaded machine a late first frame and the
    // pacer's catch-up shorten the first-to-last span, but nothing ever leaves early. The upper bound
    // is generous for the same reason.
    expect(frames.at(-1)!.at - sentAt).toBeGreaterThanOrEqual(25 * 20 - 100 - 5);
    expect(frames.at(-1)!.at - sentAt).toBeLessThan(3_000);
    // The echo came after the audio before it had played.
    expect(markAt - sentAt).toBeGreaterThanOrEqual(500);
    expect(call.marks.items[0]).toMatchObject({ name: 'greeting', discarded: false });
    expect(server.transport.playedMs()).toBe(520);
    expect(server.transport.pendingMs()).toBe(0);
    expect(call.violations).toEqual([]);
  });

  it('messageMs 20 sends one 160-byte frame per message; 60 sends three', async () => {
    for (const [messageMs, sizes] of [
      [20, Array(10).fill(160)],
      [60, [480, 480, 480, 160]],
    ] as const) {
      await harness.close();
      harness = await CarrierHarness.start(new Twilio({ accountSid: ACCOUNT, authToken: TOKEN, baseUrl: api.url, messageMs }), { logger });
      sim = new TwilioSimulator({ serverUrl: harness.publicUrl, authToken: TOKEN, accountSid: ACCOUNT });
      const call = await sim.inboundCall();
      const server = await harness.calls.next();
      await server.started;
      server.transport.sendAudio(new Uint8Array(1600).fill(0x55)); // 200 ms
      server.transport.mark('end');
      expect(await server.marks.next(3000)).toBe('end');
      expect(call.media.items.map((m) => m.bytes)).toEqual(sizes);
    }
  });

  it('clear empties pending playback; marks echoed by the clear are not reported as played', async () => {
    const call = await sim.inboundCall();
    const server = await harness.calls.next();
    await server.started;
    const sentAt = performance.now();
    server.transport.sendAudio(new Uint8Array(16000).fill(0x55)); // 2 s
    server.transport.mark('long-reply');
    await new Promise((r) => setTimeout(r, 300));
    const played = server.transport.playedMs();
    const elapsed = performance.now() - sentAt;
    expect(played).toBeGreaterThan(200);
    expect(played).toBeLessThanOrEqual(elapsed + 1); // the clock estimate never runs ahead of real time
    expect(server.transport.pendingMs()).toBeCloseTo(2000 - played, -1);
    server.transport.clear();
    expect(server.transport.pendingMs()).toBe(0);
    const clearedAt = await call.clears.next();
    await new Promise((r) => setTimeout(r, 200));
    const before = call.media.items.filter((m) => m.at <= clearedAt).length;
    expect(call.media.items.length).toBe(before); // nothing more after the clear
    expect(before * 20).toBeLessThanOrEqual(played + 140); // only the bounded lead was ahead of playback
    expect(server.marks.items).toEqual([]); // the mark never played
    expect(call.violations).toEqual([]);
  });

  it('drops bad input (malformed JSON, unknown events, oversized or non-base64 payloads, other streams, out of order) and goes on', async () => {
    const call = await sim.inboundCall();
    const server = await harness.calls.next();
    await server.started;
    const frame = (chunk: number, payload: string, streamSid = call.streamSid) =>
      JSON.stringify({ event: 'media', sequenceNumber: '9', media: { track: 'inbound', chunk: String(chunk), timestamp: '0', payload }, streamSid });
    call.sendRaw('{not json');
    call.sendRaw(JSON.stringify({ event: 'party', streamSid: call.streamSid }));
    call.sendRaw(JSON.stringify({ event: 'media', streamSid: call.streamSid }));
    call.sendRaw(frame(1, 'A'.repeat(80_000)));
    call.sendRaw(frame(2, '%%%%'));
    call.sendRaw(frame(3, 'AQID', 'MZ-someone-else'));
    call.sendRaw(frame(10, 'CgoK'));
    call.sendRaw(frame(4, 'BAQE'));
    call.sendRaw(JSON.stringify({ event: 'start', streamSid: call.streamSid, start: { streamSid: call.streamSid, callSid: 'CA2' } }));
    call.sendRaw(Buffer.from([0, 1, 2]));
    call.sendRaw(frame(11, 'CwsL'));
    await server.audio.waitFor((a) => a[0] === 11);
    expect(server.audio.items.map((a) => [...a])).toEqual([[10, 10, 10], [11, 11, 11]]);
    expect(warnings).toEqual(
      expect.arrayContaining([
        'malformed media stream frame',
        'unknown media stream event',
        'oversized frame',
        'media payload is not base64',
        'message for an unknown stream',
        'media chunk out of order',
        'duplicate start',
        'binary frame',
      ]),
    );
    expect(server.stops.items).toEqual([]);
    expect(server.transport.info?.callId).toBe(call.callSid);
  });

  it('sends DTMF in-band: the exact Q.23 pair per digit, 100 ms tone then 100 ms gap, in μ-law frames', async () => {
    const call = await sim.inboundCall();
    const server = await harness.calls.next();
    await server.started;
    const sentAt = performance.now();
    await server.transport.sendDtmf('1#');
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(300); // resolves once the tones have played
    expect(call.media.items.map((frame) => frame.bytes)).toEqual(Array(4).fill(800)); // 20 frames, five to a message
    const pcm = mulawToPcm16(call.receivedAudio());
    const dominant = (from: number, freqs: number[]) => {
      const power = freqs.map((f) => goertzel(pcm, from, 800, f));
      return freqs[power.indexOf(Math.max(...power))];
    };
    const energy = (from: number) => pcm.subarray(from, from + 800).reduce((sum, x) => sum + x * x, 0) / 800;
    // '1' = 697 + 1209 Hz, '#' = 941 + 1477 Hz; each 100 ms tone (800 samples) is followed by 100 ms of silence.
    expect([dominant(0, ROWS), dominant(0, COLS)]).toEqual([697, 1209]);
    expect([dominant(1600, ROWS), dominant(1600, COLS)]).toEqual([941, 1477]);
    expect(energy(0)).toBeGreaterThan(1e6);
    expect(energy(800)).toBeLessThan(100);
    expect(energy(1600)).toBeGreaterThan(1e6);
    expect(energy(2400)).toBeLessThan(100);
  });
});

describe('Twilio call control', () => {
  it('hangup posts Status=completed once and is idempotent when the call already ended', async () => {
    const call = await sim.inboundCall();
    api.addCall(call.callSid);
    const server = await harness.calls.next();
    await server.started;
    await Promise.all([server.transport.hangup(), server.transport.hangup()]);
    const update = await api.updates.next();
    expect(update.callSid).toBe(call.callSid);
    expect([...update.form]).toEqual([['Status', 'completed']]);
    const carrier = harness.carrier as Twilio;
    await expect(carrier.hangup(call.callSid)).resolves.toBeUndefined(); // 404 20404: already over
    await call.stop();
    expect(await server.stops.next()).toBe('agent_hangup');
  });

  it('transfer replaces the TwiML with a <Dial>', async () => {
    const call = await sim.inboundCall();
    api.addCall(call.callSid);
    const server = await harness.calls.next();
    await server.started;
    await server.transport.transfer('+15550001234');
    const update = await api.updates.next();
    expect([...update.form]).toEqual([['Twiml', '<Response><Dial><Number>+15550001234</Number></Dial></Response>']]);
    await call.stop();
    expect(await server.stops.next()).toBe('transfer');
  });

  it('startRecording asks for a recording with a signed-callback URL carrying the callRef', async () => {
    const call = await sim.inboundCall();
    api.addCall(call.callSid);
    const server = await harness.calls.next();
    await server.started;
    await server.transport.startRecording!();
    const update = await api.updates.next();
    expect(update.kind).toBe('recording');
    expect(Object.fromEntries(update.form)).toEqual({
      RecordingStatusCallback: `${harness.publicUrl}/twilio/recording?callRef=ref-1`,
      RecordingStatusCallbackMethod: 'POST',
      RecordingStatusCallbackEvent: 'completed',
      RecordingChannels: 'mono',
    });
    const result = await sim.webhook('/twilio/recording?callRef=ref-1', {
      AccountSid: ACCOUNT,
      CallSid: call.callSid,
      RecordingSid: 'RE1',
      RecordingUrl: 'https://api.twilio.com/rec/RE1',
      RecordingStatus: 'completed',
      RecordingDuration: '12',
    });
    expect(result.status).toBe(204);
    expect(await harness.events.next()).toEqual({ type: 'recording', callId: call.callSid, callRef: 'ref-1', url: 'https://api.twilio.com/rec/RE1', durationSeconds: 12 });
  });
});
