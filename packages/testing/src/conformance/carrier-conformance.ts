import type { CallTransport, CallTransportEvents } from '@patter/core';
import { bytesForDuration } from '@patter/core/plugin';
import { concatBytes } from '../audio/pcm-bytes.js';
import { assert, assertBytesEqual, assertEqual, distinctAudio, framesOf, tick, waitUntil, withTimeout } from './check-helpers.js';
import type { ConformanceCheck, ConformanceHooks } from './conformance-check.js';

/** One simulated call: the transport under test and the carrier's far end that drives it. */
export interface CarrierConformanceCall {
  /** The transport the carrier built from the simulator's media stream (before `start`). */
  readonly transport: CallTransport;
  /** The far end sends the carrier's start message. */
  start(): Promise<void>;
  /** The far end sends caller audio (bytes in `transport.format`). */
  sendAudio(audio: Uint8Array): Promise<void>;
  /** The far end sends one DTMF digit. */
  sendDtmf(digit: string): Promise<void>;
  /** The far end ends the media stream (the caller hung up). */
  stop(): Promise<void>;
  /** Agent audio the far end received so far (bytes in `transport.format`). */
  receivedAudio(): Uint8Array;
  /** Names of the marks the far end received (it echoes each once the audio before it is played). */
  receivedMarks(): readonly string[];
  /** How many clear messages the far end received. */
  clearCount(): number;
  /** How many hang-up requests the carrier's fake REST API received for this call. */
  hangupCount(): number;
  /** Tear the call down (called after every check, even a failed one). */
  close(): Promise<void>;
}

export interface CarrierConformanceHarness extends ConformanceHooks {
  /** Suite title prefix, e.g. `'Twilio'`. */
  readonly name?: string;
  /** Open a new simulated call whose media stream is connected but not started. */
  openCall(): Promise<CarrierConformanceCall>;
  /** How long each wait may take (default 5000 ms). */
  readonly timeoutMs?: number;
}

type EventName = 'start' | 'audio' | 'dtmf' | 'mark' | 'stop';
type Recorded = { [K in EventName]: { type: K; payload: CallTransportEvents[K] } }[EventName];

function record(transport: CallTransport): Recorded[] {
  const events: Recorded[] = [];
  transport.on('start', (payload) => events.push({ type: 'start', payload }));
  transport.on('audio', (payload) => events.push({ type: 'audio', payload: Uint8Array.from(payload) }));
  transport.on('dtmf', (payload) => events.push({ type: 'dtmf', payload }));
  transport.on('mark', (payload) => events.push({ type: 'mark', payload }));
  transport.on('stop', (payload) => events.push({ type: 'stop', payload }));
  return events;
}

const ofType = <K extends Recorded['type']>(events: readonly Recorded[], type: K) =>
  events.filter((e): e is Extract<Recorded, { type: K }> => e.type === type);

/** The Carrier (CallTransport) contract's checks, for `runConformanceChecks` or `describeCarrierConformance` (`@patter/testing/vitest`). */
export function carrierConformanceChecks(harness: CarrierConformanceHarness): ConformanceCheck[] {
  const timeout = harness.timeoutMs ?? 5_000;

  async function withCall(body: (call: CarrierConformanceCall, events: Recorded[]) => Promise<void>): Promise<void> {
    const call = await withTimeout(harness.openCall(), timeout, 'openCall()');
    const events = record(call.transport);
    try {
      await body(call, events);
    } finally {
      await withTimeout(call.close(), timeout, 'closing the call');
    }
  }

  async function started(call: CarrierConformanceCall, events: Recorded[]): Promise<void> {
    await call.start();
    await waitUntil(() => ofType(events, 'start').length > 0, timeout, 'the transport emits start');
    assert(call.transport.info?.callId, 'transport.info has no callId after start');
  }

  return [
    {
      name: 'emits start, audio, dtmf, mark and stop in order, and plays agent audio',
      async run() {
        await withCall(async (call, events) => {
          await started(call, events);
          const format = call.transport.format;
          const caller = distinctAudio(format, 100, 41);
          for (const frame of framesOf(caller, format)) await call.sendAudio(frame);
          const inbound = (): Uint8Array => concatBytes(ofType(events, 'audio').map((e) => e.payload));
          await waitUntil(() => inbound().byteLength >= caller.byteLength, timeout, 'all caller audio is emitted');
          assertBytesEqual(inbound(), caller, 'caller audio from the transport');
          await call.sendDtmf('7');
          await waitUntil(() => ofType(events, 'dtmf').length > 0, timeout, 'the transport emits dtmf');
          const agent = distinctAudio(format, 100, 42);
          call.transport.sendAudio(agent);
          call.transport.mark('conformance-1');
          await waitUntil(() => ofType(events, 'mark').length > 0, timeout, 'the played mark is emitted');
          assertEqual(ofType(events, 'mark').map((e) => e.payload), ['conformance-1'], 'marks emitted');
          assertBytesEqual(call.receivedAudio().subarray(0, agent.byteLength), agent, 'agent audio at the carrier');
          assert(call.receivedMarks().includes('conformance-1'), 'the carrier never received the mark');
          await call.stop();
          await waitUntil(() => ofType(events, 'stop').length > 0, timeout, 'the transport emits stop');
          await tick(50);
          const order = events.map((e) => e.type).filter((type, i, all) => type !== 'audio' || all[i - 1] !== 'audio');
          assertEqual(order, ['start', 'audio', 'dtmf', 'mark', 'stop'], 'event order');
          assertEqual(ofType(events, 'dtmf')[0]?.payload, '7', 'dtmf digit');
        });
      },
    },
    {
      name: 'clear() drops queued agent audio, tells the carrier, and playback works after it',
      async run() {
        await withCall(async (call, events) => {
          await started(call, events);
          const format = call.transport.format;
          const long = distinctAudio(format, 2_000, 43);
          call.transport.sendAudio(long);
          await waitUntil(() => call.receivedAudio().byteLength > 0, timeout, 'the carrier receives agent audio');
          call.transport.clear();
          await waitUntil(() => call.clearCount() > 0, timeout, 'the carrier receives a clear');
          assert(call.transport.pendingMs() === 0, `pendingMs() is ${call.transport.pendingMs()} after clear()`);
          await tick(300);
          const sent = call.receivedAudio().byteLength;
          assert(sent < bytesForDuration(format, 1_000), `${sent} bytes of 2 s reached the carrier despite clear()`);
          call.transport.sendAudio(distinctAudio(format, 60, 44));
          call.transport.mark('after-clear');
          await waitUntil(() => ofType(events, 'mark').some((e) => e.payload === 'after-clear'), timeout, 'a mark after clear() plays');
        });
      },
    },
    {
      name: 'hangup() is idempotent: one hang-up request and one stop',
      async run() {
        await withCall(async (call, events) => {
          await started(call, events);
          await withTimeout(Promise.all([call.transport.hangup(), call.transport.hangup()]), timeout, 'two hangup() calls');
          await waitUntil(() => ofType(events, 'stop').length > 0, timeout, 'the transport emits stop after hangup()');
          await withTimeout(call.transport.hangup(), timeout, 'hangup() after the call ended');
          await tick(50);
          assertEqual(call.hangupCount(), 1, 'hang-up requests');
          assertEqual(ofType(events, 'stop').map((e) => e.payload.reason), ['agent_hangup'], 'stop events');
        });
      },
    },
    {
      name: 'after the caller hangs up, hangup() resolves quietly and nothing more is emitted',
      async run() {
        await withCall(async (call, events) => {
          await started(call, events);
          await call.stop();
          await waitUntil(() => ofType(events, 'stop').length > 0, timeout, 'the transport emits stop');
          const count = events.length;
          await call.sendAudio(distinctAudio(call.transport.format, 20, 45)).catch(() => undefined);
          await withTimeout(call.transport.hangup(), timeout, 'hangup() after the caller hung up');
          await tick(50);
          assertEqual(ofType(events, 'stop').map((e) => e.payload.reason), ['caller_hangup'], 'stop events');
          assert(events.length === count, 'an event was emitted after stop');
        });
      },
    },
  ];
}
