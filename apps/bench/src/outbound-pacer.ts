import { EventEmitter } from 'node:events';
import { availableParallelism, loadavg } from 'node:os';
import { MULAW_8K, type Logger } from '@patter/core';
import {
  OutboundPacer,
  StreamCallTransport,
  type MediaStreamCodec,
  type MediaStreamMessage,
  type WebSocket,
} from '@patter/core/plugin';
import type { BenchReport } from './bench-report.js';
import { measure, type Timing } from './measure.js';

/**
 * The outbound frame path after the codec, per 20 ms of agent audio: the pacer cutting TTS chunks
 * into carrier frames (and padding a sentence's last partial frame before its mark), and the whole
 * `StreamCallTransport` (pacer, playback tracker, base64, the media message, mark echoes) over a
 * socket that drops what it is sent. A fake clock moves 20 ms per operation, so every push is due.
 */
export async function run(): Promise<BenchReport> {
  const rows: (string | number)[][] = [];
  const row = (label: string, t: Timing): void => {
    rows.push([label, t.median, t.p99, t.mean, t.sustained]);
  };
  row('pacer: 160 B chunk → 1 frame', pacerOnly(160, 0));
  row('pacer: 333 B chunks, a mark every 7 (partial last frame padded)', pacerOnly(333, 7));
  row('transport: 160 B chunk → media message', transport(160, 0));
  row('transport: 333 B chunks, a mark + echo every 7', transport(333, 7));
  return {
    title: 'outbound pacer and transport per pushed chunk (µs; one core)',
    columns: ['path', 'median', 'p99', 'mean', 'sustained'],
    rows,
    notes: [
      'median/p99/mean: single calls timed one by one; sustained: µs per call in the best of 201 batches of 200.',
      `load average while measuring: ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs (other processes inflate p99 and mean).`,
    ],
  };
}

function chunkOf(bytes: number): Uint8Array {
  return Uint8Array.from({ length: bytes }, (_, i) => (i * 7) & 0x7f);
}

function pacerOnly(chunkBytes: number, markEvery: number): Timing {
  let clock = 0;
  let sink = 0;
  const pacer = new OutboundPacer({
    format: MULAW_8K,
    now: () => clock,
    leadMs: 80,
    sendFrame: (frame) => {
      sink += frame[0]!;
    },
    sendMark: (name) => {
      sink += name.length;
    },
  });
  const chunk = chunkOf(chunkBytes);
  const msPerChunk = (chunkBytes / 160) * 20;
  let n = 0;
  const op = (): number => {
    clock += msPerChunk;
    pacer.push(chunk);
    if (markEvery > 0 && ++n % markEvery === 0) pacer.mark('m');
    return sink;
  };
  const timing = measure(op);
  pacer.close();
  return timing;
}

const codec: MediaStreamCodec = {
  decode: (text): MediaStreamMessage =>
    text.startsWith('start') ? { type: 'start', streamId: 'MZ1', callId: 'CA1', parameters: {} } : { type: 'mark', streamId: 'MZ1', name: text },
  encodeMedia: (sid, payload) => `{"event":"media","streamSid":"${sid}","media":{"payload":"${payload}"}}`,
  encodeMark: (sid, name) => `{"event":"mark","streamSid":"${sid}","mark":{"name":"${name}"}}`,
  encodeClear: (sid) => `{"event":"clear","streamSid":"${sid}"}`,
};

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => quiet };

/** A connected socket that drops what it is sent; `deliver` plays a message from the carrier. */
class NullSocket extends EventEmitter {
  readonly OPEN = 1;
  readonly CONNECTING = 0;
  readyState = 1;
  sent = 0;
  send(text: string): void {
    this.sent += text.length;
  }
  close(): void {
    this.readyState = 3;
  }
  deliver(text: string): void {
    this.emit('message', Buffer.from(text), false);
  }
}

function transport(chunkBytes: number, markEvery: number): Timing {
  let clock = 0;
  const socket = new NullSocket();
  const call = new StreamCallTransport(socket as unknown as WebSocket, {
    carrier: 'bench',
    format: MULAW_8K,
    codec,
    commands: { hangup: async () => {}, transfer: async () => {} },
    context: { callRef: 'ref', logger: quiet, direction: 'inbound' },
    now: () => clock,
  });
  socket.deliver('start');
  const chunk = chunkOf(chunkBytes);
  const msPerChunk = (chunkBytes / 160) * 20;
  const names = Array.from({ length: 64 }, (_, i) => `patter-${i}`);
  let n = 0;
  const op = (): number => {
    clock += msPerChunk;
    call.sendAudio(chunk);
    if (markEvery > 0 && ++n % markEvery === 0) {
      const name = names[(n / markEvery) % names.length]!;
      call.mark(name);
      socket.deliver(name);
    }
    return socket.sent;
  };
  const timing = measure(op);
  call.close();
  return timing;
}
