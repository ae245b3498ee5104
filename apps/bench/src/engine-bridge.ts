import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import {
  MULAW_8K,
  PCM16_24K,
  silentLogger,
  type AudioFormat,
  type CallSession,
  type Engine,
  type EngineSession,
} from '@patter/core';
import { createCallSession, type WebSocket } from '@patter/core/plugin';
import { OpenAIRealtimeSession } from '@patter/openai-realtime';
import type { BenchReport } from './bench-report.js';
import { BenchTransport } from './pipeline-fakes.js';

const CALLS = 100;
const TICKS = 300;
const WARMUP_TICKS = 50;
const APPEND = '{"type":"input_audio_buffer.append"';

interface BenchCall {
  readonly transport: BenchTransport;
  readonly socket: MemorySocket;
  /** When the engine delta being measured was delivered (0: none in flight). */
  sentAt: number;
  measure: boolean;
}

/**
 * An in-memory, zero-delay stand-in for the vendor's socket: `send` stamps the moment an
 * `input_audio_buffer.append` leaves the engine; `deliver` hands the session a server event.
 */
class MemorySocket extends EventEmitter {
  readyState = 1;
  appendSentAt = 0;
  send(data: string): void {
    if (data.startsWith(APPEND)) this.appendSentAt = performance.now();
  }
  deliver(text: Buffer): void {
    this.emit('message', text, false);
  }
  close(): void {
    this.readyState = 3;
    this.emit('close', 1000, Buffer.alloc(0));
  }
  terminate(): void {
    this.close();
  }
}

/** The real OpenAI Realtime session (parsing, base64, events) over a memory socket. */
class MemoryRealtimeEngine implements Engine {
  readonly key = 'openai_realtime';
  readonly sockets: MemorySocket[] = [];
  constructor(private readonly format: AudioFormat) {}
  async connect(): Promise<EngineSession> {
    const socket = new MemorySocket();
    this.sockets.push(socket);
    return new OpenAIRealtimeSession(socket as unknown as WebSocket, { input: this.format, output: this.format }, silentLogger);
  }
}

interface Spans {
  readonly inbound: number[];
  readonly outbound: number[];
  readonly elapsedMs: number;
}

/** 100 calls, each with a caller frame and an engine delta (20 ms each) every 20 ms tick. */
async function measureAt(format: AudioFormat): Promise<Spans> {
  const inbound: number[] = [];
  const outbound: number[] = [];
  const calls: BenchCall[] = [];
  const sessions: CallSession[] = [];
  for (let i = 0; i < CALLS; i++) {
    const engine = new MemoryRealtimeEngine(format);
    const holder: { call?: BenchCall } = {};
    const transport = new BenchTransport({ callId: `CA${i}`, callRef: `ref${i}`, carrier: 'bench', direction: 'inbound', parameters: {} }, () => {
      const call = holder.call;
      if (call && call.sentAt !== 0) {
        if (call.measure) outbound.push(performance.now() - call.sentAt);
        call.sentAt = 0;
      }
    });
    sessions.push(createCallSession({ transport, logger: silentLogger, agent: { engine, systemPrompt: 'You book tables.' } }));
    transport.start();
    while (engine.sockets.length === 0) await new Promise((resolve) => setImmediate(resolve));
    holder.call = { transport, socket: engine.sockets[0]!, sentAt: 0, measure: false };
    calls.push(holder.call);
  }
  const frame = new Uint8Array(160).fill(0xff);
  const agentAudio = format.encoding === 'mulaw' ? new Uint8Array(160).fill(0x55) : new Uint8Array(960).fill(0x10);
  const delta = Buffer.from(
    JSON.stringify({ type: 'response.output_audio.delta', response_id: 'resp_1', item_id: 'item_1', delta: Buffer.from(agentAudio).toString('base64') }),
  );

  // Each call's socket message and carrier frame is its own macrotask, as on real sockets.
  const step = (call: BenchCall, measure: boolean, done: () => void): void => {
    const heardAt = performance.now();
    call.transport.hear(frame);
    if (measure && call.socket.appendSentAt >= heardAt) inbound.push(call.socket.appendSentAt - heardAt);
    call.measure = measure;
    call.sentAt = performance.now();
    call.socket.deliver(delta);
    setImmediate(done);
  };
  const started = performance.now();
  for (let tick = 0; tick < TICKS; tick++) {
    const measure = tick >= WARMUP_TICKS;
    await Promise.all(calls.map((call) => new Promise<void>((resolve) => setImmediate(step, call, measure, resolve))));
    for (const call of calls) call.transport.playAll();
    const wait = started + (tick + 1) * 20 - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const elapsedMs = performance.now() - started;
  await Promise.all(sessions.map((s) => s.end('shutdown')));
  return { inbound, outbound, elapsedMs };
}

const row = (label: string, values: number[]): (string | number)[] => {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN;
  return [label, sorted.length, at(0.5), at(0.99), sorted[sorted.length - 1] ?? NaN];
};

/**
 * The engine bridge's added latency at 100 concurrent calls, with the real OpenAI Realtime
 * session over a zero-delay in-memory socket: carrier frame in → `input_audio_buffer.append`
 * sent (conversion + base64 + JSON), and `response.output_audio.delta` in → carrier frame out
 * (parse, base64 decode, event queue, conversion). Both carrier → PCM16 24 kHz (OpenAIRealtime)
 * and μ-law passthrough (OpenAIRealtime2 over Twilio).
 */
export async function run(): Promise<BenchReport> {
  const pcm = await measureAt(PCM16_24K);
  const mulaw = await measureAt(MULAW_8K);
  return {
    title: `engine bridge added latency (ms; ${CALLS} concurrent calls, 50 caller frames + 50 engine deltas per call per second, zero-delay socket)`,
    columns: ['span', 'samples', 'p50', 'p99', 'max'],
    rows: [
      row('PCM16 24k: carrier frame in → append sent', pcm.inbound),
      row('PCM16 24k: engine delta in → carrier frame out', pcm.outbound),
      row('μ-law: carrier frame in → append sent', mulaw.inbound),
      row('μ-law: engine delta in → carrier frame out', mulaw.outbound),
    ],
    notes: [
      `target: p99 < 1 ms; ${TICKS - WARMUP_TICKS} ticks of 20 ms measured after ${WARMUP_TICKS} warm-up ticks; ` +
        `${(pcm.elapsedMs / 1000).toFixed(1)} s + ${(mulaw.elapsedMs / 1000).toFixed(1)} s`,
      'each socket message / carrier frame is its own macrotask (setImmediate), as on real sockets',
    ],
  };
}
