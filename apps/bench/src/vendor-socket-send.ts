import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import WebSocket from 'ws';
import { connectWebSocket } from '@patter/core/plugin';
import type { BenchReport } from './bench-report.js';

/**
 * CPU of this process per WebSocket message sent to a vendor, through `connectWebSocket` (a zero
 * masking key on loopback and TLS) beside a bare `ws` client with ws's random key, for the
 * messages a call sends most: 100 ms of caller audio for a transcribing STT (PCM16 16 kHz and
 * μ-law 8 kHz) and an OpenAI Realtime `input_audio_buffer.append` event of 100 ms of μ-law (its
 * `inputChunkMs` default), each ten a second per call. The receiver is a separate process that answers the handshake and
 * discards the bytes, so only the sender's work is counted (kernel time of its writes included).
 */

const MESSAGES: readonly { readonly name: string; readonly payload: Buffer | string }[] = [
  { name: 'PCM16 16 kHz, 100 ms (binary)', payload: Buffer.alloc(3_200, 7) },
  { name: 'μ-law 8 kHz, 100 ms (binary)', payload: Buffer.alloc(800, 0x7f) },
  {
    name: 'input_audio_buffer.append, 100 ms μ-law (text)',
    payload: JSON.stringify({ type: 'input_audio_buffer.append', audio: Buffer.alloc(800, 0x7f).toString('base64') }),
  },
];

/** A sink in its own process: answers any upgrade with 101 and reads whatever comes. */
const SINK = `
const { createServer } = require('node:net');
const { createHash } = require('node:crypto');
const server = createServer((socket) => {
  let head = '';
  const onData = (chunk) => {
    head += chunk.toString('latin1');
    const end = head.indexOf('\\r\\n\\r\\n');
    if (end < 0) return;
    socket.off('data', onData);
    const key = /sec-websocket-key: *(\\S+)/i.exec(head.slice(0, end))[1];
    const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: ' + accept + '\\r\\n\\r\\n');
    socket.on('data', () => {});
  };
  socket.on('data', onData);
  socket.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

async function startSink(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, url: `ws://127.0.0.1:${Number(String(line).trim())}` };
}

/** µs of this process's CPU per `send`, over `count` sends (yielding every 50 so writes drain). */
async function cpuPerSend(ws: WebSocket, payload: Buffer | string, count: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    ws.send(payload);
    if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
  }
  while (ws.bufferedAmount > 0) await new Promise((resolve) => setImmediate(resolve));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

export async function run(options: { rounds?: number; count?: number } = {}): Promise<BenchReport> {
  const rounds = options.rounds ?? 7;
  const count = options.count ?? 20_000;
  const sink = await startSink();
  try {
    const bare = new WebSocket(sink.url, { perMessageDeflate: false });
    await once(bare, 'open');
    const ours = await connectWebSocket(sink.url, { provider: 'bench' });
    const rows: (string | number)[][] = [];
    for (const { name, payload } of MESSAGES) {
      await cpuPerSend(bare, payload, 2_000);
      await cpuPerSend(ours, payload, 2_000);
      const randomKey: number[] = [];
      const zeroKey: number[] = [];
      for (let round = 0; round < rounds; round++) {
        randomKey.push(await cpuPerSend(bare, payload, count));
        zeroKey.push(await cpuPerSend(ours, payload, count));
      }
      const a = median(randomKey);
      const b = median(zeroKey);
      rows.push([name, Buffer.byteLength(payload), a.toFixed(2), b.toFixed(2), `${(100 * (1 - b / a)).toFixed(0)} %`]);
    }
    bare.terminate();
    ours.terminate();
    return {
      title: 'Sending to a vendor socket: CPU of the sending process per message (µs), loopback sink in another process',
      columns: ['message', 'bytes', 'ws, random key', 'connectWebSocket (zero key)', 'saved'],
      rows,
      notes: [
        `Median of ${rounds} alternating rounds of ${count} sends each. RFC 6455's random key protects intermediaries that can read the frames; over TLS and on loopback there are none, so connectWebSocket sends a zero key and ws skips copying and XOR-ing the payload.`,
      ],
    };
  } finally {
    sink.child.kill();
  }
}
