// Test helper for the session tests: a real StreamCallTransport over a loopback socket, with the
// carrier's side in the test's hands. Not exported from the package.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { MULAW_8K } from '../audio/audio-format.js';
import type { MediaStreamCodec, MediaStreamMessage } from '../carrier/media-stream-codec.js';
import { StreamCallTransport } from '../carrier/stream-call-transport.js';
import { silentLogger } from '../log/logger.js';
import { WebSocket } from '../net/connect-web-socket.js';
import { until } from './testing-fakes.js';

/** A Twilio-like JSON wire format, as a carrier's codec would decode it. */
const codec: MediaStreamCodec = {
  decode(text): MediaStreamMessage {
    const m = JSON.parse(text) as { event: string; name?: string; payload?: string };
    if (m.event === 'start') return { type: 'start', streamId: 'MZ1', callId: 'CA1', parameters: {} };
    if (m.event === 'media') return { type: 'media', streamId: 'MZ1', track: 'inbound', chunk: undefined, payload: String(m.payload) };
    if (m.event === 'mark') return { type: 'mark', streamId: 'MZ1', name: String(m.name) };
    return { type: 'unknown', event: m.event };
  },
  encodeMedia: (_sid, payload) => JSON.stringify({ event: 'media', payload }),
  encodeMark: (_sid, name) => JSON.stringify({ event: 'mark', name }),
  encodeClear: () => JSON.stringify({ event: 'clear' }),
};

export interface LoopbackCall {
  readonly transport: StreamCallTransport;
  /** The transport's clock (ms): the test moves it. */
  readonly clock: { now: number };
  /** Names of the marks the transport sent, in order. */
  readonly marks: string[];
  /** The carrier starts the stream; resolves once the transport has its call info. */
  start(): Promise<void>;
  /** The carrier played the mark `name`. */
  echo(name: string): void;
  /** Caller audio (μ-law bytes) as one media message. */
  hear(audio: Uint8Array): void;
  close(): Promise<void>;
}

/**
 * A real transport over a loopback socket, on a clock the test moves. The lead is long, so the
 * audio queued is sent at once: the played position is then the clock's advance past the send,
 * never behind the marks the carrier echoed.
 */
export async function openLoopbackCall(): Promise<LoopbackCall> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const carrier = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const [socket] = (await accepted) as [WebSocket];
  await once(carrier, 'open');
  const clock = { now: 1_000 };
  const transport = new StreamCallTransport(socket, {
    carrier: 'test',
    format: MULAW_8K,
    codec,
    context: { callRef: 'ref-1', logger: silentLogger, direction: 'inbound' },
    commands: { hangup: async () => {}, transfer: async () => {} },
    leadMs: 10_000,
    now: () => clock.now,
  });
  const marks: string[] = [];
  carrier.on('message', (data) => {
    const m = JSON.parse(String(data)) as { event: string; name?: string };
    if (m.event === 'mark') marks.push(String(m.name));
  });
  return {
    transport,
    clock,
    marks,
    async start() {
      carrier.send(JSON.stringify({ event: 'start' }));
      await until(() => transport.info !== undefined);
    },
    echo: (name) => carrier.send(JSON.stringify({ event: 'mark', name })),
    hear: (audio) => carrier.send(JSON.stringify({ event: 'media', payload: Buffer.from(audio).toString('base64') })),
    async close() {
      transport.close();
      carrier.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
