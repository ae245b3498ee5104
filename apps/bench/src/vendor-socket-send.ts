import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { connectWebSocket } from '@patter/core/plugin';
import type { BenchReport } from './bench-report.js';

/**
 * CPU of this process per WebSocket message sent to a vendor, with ws's random masking key and
 * with the zero key `connectWebSocket` uses where no intermediary can read the frames, for the
 * messages a call sends most: 100 ms of caller audio for a transcribing STT (PCM16 16 kHz, μ-law
 * 8 kHz) and an OpenAI Realtime `input_audio_buffer.append` of 100 ms of μ-law (its `inputChunkMs`
 * default), each ten a second per call. On loopback (the load bench's vendor fakes) the zero-key
 * side is `connectWebSocket` itself; over TLS (real vendors) both sides are ws clients trusting a
 * throwaway self-signed certificate (made with `openssl`; those rows are left out without it), one
 * with the zero key. The receiver is a `ws` server in a separate process (so it also shows a
 * standard server takes the zero-key frames), and only the sender's work is counted (kernel time of
 * its writes included).
 */

const MESSAGES: readonly { readonly name: string; readonly payload: Buffer | string }[] = [
  { name: 'PCM16 16 kHz, 100 ms (binary)', payload: Buffer.alloc(3_200, 7) },
  { name: 'μ-law 8 kHz, 100 ms (binary)', payload: Buffer.alloc(800, 0x7f) },
  {
    name: 'input_audio_buffer.append, 100 ms μ-law (text)',
    payload: JSON.stringify({ type: 'input_audio_buffer.append', audio: Buffer.alloc(800, 0x7f).toString('base64') }),
  },
];

/**
 * A sink in its own process: a `ws` server (over TLS when given a key) that takes every message and
 * drops it. Run from this package's folder, so `require('ws')` finds the bench's own ws.
 */
const SINK = `
const { WebSocketServer } = require('ws');
const { SINK_KEY: key, SINK_CERT: cert } = process.env;
const server = key ? require('node:https').createServer({ key, cert }) : require('node:http').createServer();
new WebSocketServer({ server, perMessageDeflate: false }).on('connection', (ws) => ws.on('message', () => {}).on('error', () => {}));
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

interface Certificate {
  readonly key: string;
  readonly cert: string;
}

async function startSink(tls?: Certificate): Promise<{ child: ChildProcess; url: string }> {
  const env = tls ? { ...process.env, SINK_KEY: tls.key, SINK_CERT: tls.cert } : process.env;
  const cwd = fileURLToPath(new URL('..', import.meta.url));
  const child = spawn(process.execPath, ['-e', SINK], { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, url: `${tls ? 'wss' : 'ws'}://127.0.0.1:${Number(String(line).trim())}` };
}

/** A self-signed certificate for 127.0.0.1, valid for a day; `undefined` when openssl is missing. */
function selfSignedCertificate(): Certificate | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'patter-bench-tls-'));
  try {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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

/** One row per message: the median µs per send of `randomKey` and `zeroKey`, alternating rounds. */
async function compare(path: string, randomKey: WebSocket, zeroKey: WebSocket, rounds: number, count: number): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = [];
  for (const { name, payload } of MESSAGES) {
    await cpuPerSend(randomKey, payload, 2_000);
    await cpuPerSend(zeroKey, payload, 2_000);
    const random: number[] = [];
    const zero: number[] = [];
    for (let round = 0; round < rounds; round++) {
      random.push(await cpuPerSend(randomKey, payload, count));
      zero.push(await cpuPerSend(zeroKey, payload, count));
    }
    const [a, b] = [median(random), median(zero)];
    rows.push([path, name, Buffer.byteLength(payload), a.toFixed(2), b.toFixed(2), `${(100 * (1 - b / a)).toFixed(0)} %`]);
  }
  randomKey.terminate();
  zeroKey.terminate();
  return rows;
}

async function open(url: string, options: WebSocket.ClientOptions): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
  await once(ws, 'open');
  return ws;
}

export async function run(options: { rounds?: number; count?: number } = {}): Promise<BenchReport> {
  const rounds = options.rounds ?? 7;
  const count = options.count ?? 20_000;
  const rows: (string | number)[][] = [];
  const plain = await startSink();
  try {
    rows.push(...(await compare('loopback', await open(plain.url, {}), await connectWebSocket(plain.url, { provider: 'bench' }), rounds, count)));
  } finally {
    plain.child.kill();
  }
  const certificate = selfSignedCertificate();
  if (certificate) {
    const tls = await startSink(certificate);
    try {
      const zero = (mask: Buffer): void => void mask.fill(0);
      const random = await open(tls.url, { ca: certificate.cert });
      rows.push(...(await compare('TLS', random, await open(tls.url, { ca: certificate.cert, generateMask: zero }), rounds, count)));
    } finally {
      tls.child.kill();
    }
  }
  return {
    title: 'Sending to a vendor socket: CPU of the sending process per message (µs), sink in another process',
    columns: ['path', 'message', 'bytes', 'random key (ws default)', 'zero key (connectWebSocket)', 'saved'],
    rows,
    notes: [
      `Median of ${rounds} alternating rounds of ${count} sends each. RFC 6455's random key protects intermediaries that can read the frames; over TLS and on loopback there are none, so connectWebSocket sends a zero key and ws skips copying and XOR-ing the payload.`,
      ...(certificate ? [] : ['TLS rows left out: openssl is not installed.']),
    ],
  };
}
