import { MULAW_8K, silentLogger, type CallTransport } from '@patter/core';
import {
  StreamCallTransport,
  type CarrierCallCommands,
  type MediaStreamCodec,
  type MediaStreamMessage,
} from '@patter/core/plugin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCarrierConformance } from '../vitest/describe-carrier-conformance.js';
import { WebSocket } from 'ws';
import { concatBytes } from '../audio/pcm-bytes.js';
import { FakeWebSocketServer } from '../fakes/fake-web-socket-server.js';
import {
  carrierConformanceChecks,
  type CarrierConformanceCall,
  type CarrierConformanceHarness,
} from './carrier-conformance.js';
import { runConformanceChecks } from './conformance-check.js';

type Flaw = 'hangupNotIdempotent' | 'clearIgnored' | 'dtmfLost' | 'duplicateStop' | 'dropsAudio';

/** A Twilio-like JSON media-stream codec, enough to drive core's StreamCallTransport. */
const codec: MediaStreamCodec = {
  decode(text: string): MediaStreamMessage {
    const m = JSON.parse(text) as Record<string, string>;
    switch (m.event) {
      case 'start':
        return { type: 'start', streamId: m.streamId ?? '', callId: m.callId ?? '', parameters: {} };
      case 'media':
        return { type: 'media', streamId: m.streamId, track: 'inbound', chunk: undefined, payload: m.payload ?? '' };
      case 'dtmf':
        return { type: 'dtmf', streamId: m.streamId, digit: m.digit ?? '' };
      case 'mark':
        return { type: 'mark', streamId: m.streamId, name: m.name ?? '' };
      case 'stop':
        return { type: 'stop', streamId: m.streamId };
      default:
        return { type: 'unknown', event: String(m.event) };
    }
  },
  encodeMedia: (streamId, payload) => JSON.stringify({ event: 'media', streamId, payload }),
  encodeMark: (streamId, name) => JSON.stringify({ event: 'mark', streamId, name }),
  encodeClear: (streamId) => JSON.stringify({ event: 'clear', streamId }),
};

/** Delegates to a real transport, with one deliberate flaw. */
function flawed(inner: CallTransport, flaw: Flaw | undefined, commands: CarrierCallCommands): CallTransport {
  if (!flaw) return inner;
  return {
    carrier: inner.carrier,
    format: inner.format,
    get info() {
      return inner.info;
    },
    on(event, listener) {
      if (flaw === 'dtmfLost' && event === 'dtmf') return () => undefined;
      if (flaw === 'duplicateStop' && event === 'stop') return inner.on(event, (p) => (listener(p), listener(p)));
      if (flaw === 'dropsAudio' && event === 'audio') {
        let n = 0;
        return inner.on(event, (p) => void (++n % 3 !== 0 && listener(p)));
      }
      return inner.on(event, listener);
    },
    sendAudio: (audio) => inner.sendAudio(audio),
    mark: (name) => inner.mark(name),
    clear: () => (flaw === 'clearIgnored' ? undefined : inner.clear()),
    positionMs: () => inner.positionMs(),
    playedMs: () => inner.playedMs(),
    pendingMs: () => inner.pendingMs(),
    drained: () => inner.drained(),
    sendDtmf: (digits) => inner.sendDtmf(digits),
    transfer: (to) => inner.transfer(to),
    hangup: () => {
      if (flaw === 'hangupNotIdempotent' && inner.info) void commands.hangup(inner.info.callId);
      return inner.hangup();
    },
    close: (reason) => inner.close(reason),
  };
}

let server: FakeWebSocketServer;
beforeAll(async () => {
  server = await FakeWebSocketServer.start({ path: '/media' });
});
afterAll(() => server.close());

function harnessFor(flaw?: Flaw): CarrierConformanceHarness {
  return {
    name: `StreamCallTransport${flaw ? ` (${flaw})` : ''}`,
    timeoutMs: 1_500,
    async openCall(): Promise<CarrierConformanceCall> {
      const far = new WebSocket(`${server.url}/media`);
      const media: Uint8Array[] = [];
      const marks: string[] = [];
      let clears = 0;
      let hangups = 0;
      const streamId = 'MZ1';
      const send = (message: object): Promise<void> =>
        new Promise((resolve) => (far.readyState === far.OPEN ? far.send(JSON.stringify(message), () => resolve()) : resolve()));
      const stop = async (): Promise<void> => {
        await send({ event: 'stop', streamId });
        far.close();
      };
      far.on('message', (data) => {
        const m = JSON.parse(String(data)) as Record<string, string>;
        if (m.event === 'media') media.push(Buffer.from(m.payload ?? '', 'base64'));
        if (m.event === 'clear') clears++;
        if (m.event === 'mark') {
          marks.push(m.name ?? '');
          void send({ event: 'mark', streamId, name: m.name });
        }
      });
      const commands: CarrierCallCommands = {
        hangup: async () => {
          hangups++;
          await stop();
        },
        transfer: async () => undefined,
      };
      const conn = await server.nextConnection();
      await new Promise((resolve) => (far.readyState === far.OPEN ? resolve(undefined) : far.once('open', resolve)));
      const inner = new StreamCallTransport(conn.socket, {
        carrier: 'memory',
        format: MULAW_8K,
        codec,
        commands,
        context: { callRef: 'ref-1', logger: silentLogger, direction: 'inbound' },
      });
      return {
        transport: flawed(inner, flaw, commands),
        start: () => send({ event: 'start', streamId, callId: 'CA1' }),
        sendAudio: (audio) => send({ event: 'media', streamId, payload: Buffer.from(audio).toString('base64') }),
        sendDtmf: (digit) => send({ event: 'dtmf', streamId, digit }),
        stop,
        receivedAudio: () => concatBytes(media),
        receivedMarks: () => marks,
        clearCount: () => clears,
        hangupCount: () => hangups,
        close: async () => {
          inner.close('shutdown');
          far.terminate();
        },
      };
    },
  };
}

async function failedChecks(flaw: Flaw): Promise<string[]> {
  const results = await runConformanceChecks(carrierConformanceChecks(harnessFor(flaw)));
  return results.filter((r) => !r.passed).map((r) => r.name);
}

const ORDER = 'emits start, audio, dtmf, mark and stop in order, and plays agent audio';
const CLEAR = 'clear() drops queued agent audio, tells the carrier, and playback works after it';
const HANGUP = 'hangup() is idempotent: one hang-up request and one stop';

describe('Carrier conformance checks', () => {
  it("pass for core's StreamCallTransport", async () => {
    const results = await runConformanceChecks(carrierConformanceChecks(harnessFor()));
    expect(results.map((r) => [r.name, r.passed ? '' : String(r.error)])).toEqual(results.map((r) => [r.name, '']));
    expect(results).toHaveLength(4);
  });

  it('fail for a transport with a broken hangup, clear, dtmf, stop or inbound audio', async () => {
    expect(await failedChecks('hangupNotIdempotent')).toEqual([HANGUP]);
    expect(await failedChecks('clearIgnored')).toEqual([CLEAR]);
    expect(await failedChecks('dtmfLost')).toEqual([ORDER]);
    expect(await failedChecks('duplicateStop')).toEqual(expect.arrayContaining([ORDER, HANGUP]));
    expect(await failedChecks('dropsAudio')).toEqual([ORDER]);
  });
});

describeCarrierConformance(harnessFor());
