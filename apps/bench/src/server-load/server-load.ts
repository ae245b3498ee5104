import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { BenchReport } from '../bench-report.js';
import { LoadCall, type LoadTarget } from './load-call.js';
import { LoadServerProcess, serverNodeFlags, type ServerStats } from './load-server-process.js';
import { startLoadVendors, STT_FINAL_EVERY_SECONDS, type LoadVendors } from './load-vendors.js';

type Mode = 'floor' | 'mulaw' | 'pcm16' | 'engine';

const env = process.env;
const COUNTS = (env.PATTER_LOAD_CALLS ?? '100,200,300,400').split(',').map(Number);
const MODES = (env.PATTER_LOAD_MODES ?? 'floor,mulaw,pcm16').split(',') as Mode[];
const REPS = Number(env.PATTER_LOAD_REPS ?? 1);
const WARMUP_S = Number(env.PATTER_LOAD_WARMUP_S ?? 3);
const WINDOW_S = Number(env.PATTER_LOAD_WINDOW_S ?? 10);
/**
 * Caller clocks per 20 ms: the calls are split into this many groups, each sending on its own
 * phase (real carrier streams each run on their own clock, from when their call connected). 1:
 * every caller sends in the same tick (a synchronized burst no carrier produces; the worst case).
 */
const PHASES = Number(env.PATTER_LOAD_PHASES ?? 4);
/**
 * Seconds over which the calls are opened (in batches of 25). 0: as fast as they connect, so every
 * greeting starts within about a second and, its sentences all the same length, the TTS requests
 * of every call come in waves; real calls start at their own times.
 */
const RAMP_S = Number(env.PATTER_LOAD_RAMP_S ?? 0);
const ACCOUNT_SID = 'AC' + 'b2'.repeat(16);
const AUTH_TOKEN = 'load-bench-auth-token';
/** Caller audio bytes per second as the STT receives it, per mode. */
const STT_BYTES_PER_S: Record<Mode, number> = { floor: 0, mulaw: 8000, pcm16: 32_000, engine: 48_000 };

interface Sample {
  readonly mode: Mode;
  readonly calls: number;
  readonly cpuPercent: number;
  readonly usPerCallFrame: number;
  readonly loop: ServerStats['loop'];
  /** Share of the server's CPU spent off its main thread (V8's GC and compiler helpers), when known. */
  readonly otherThreadsPercent: number | undefined;
  readonly inDelivered: number;
  readonly outDelivered: number;
  readonly underruns: number;
  /** Media messages the server sent per call per second (two 20 ms frames per message by default). */
  readonly outMessagesPerS: number;
  readonly rssKBPerCall: number;
  readonly heapKBPerCall: number;
  /** V8's committed heap (heapTotal: what the heap holds, plus its free room) … */
  readonly v8KBPerCall: number;
  /** … of which its young generation. */
  readonly newSpaceKBPerCall: number;
  readonly externalKBPerCall: number;
  /** Full collections in the window. */
  readonly majorGcs: number;
  /** ArrayBuffer memory promoted to the old generation per call (KB/s): what brings the full collections on. */
  readonly promotedKBPerCallPerS: number;
  /** The generator's own event-loop p99 in the window (ms): when high, its frames went out in bursts. */
  readonly generatorP99: number;
  /** STT finals the fake sent in the window, per call. */
  readonly finalsPerCall: number;
  /** TTS requests (sentences) the fake answered in the window, per call: the agent's speech is synthesized as it plays. */
  readonly ttsPerCall: number;
  readonly pass: boolean;
}

/**
 * `server-load`: N simulated Twilio callers against a real server process pinned to core 0, the
 * generator and the vendor fakes on core 1. Full duplex for the whole measured window: every
 * caller sends a 20 ms frame on the generator's clock while the agent speaks (Cartesia STT + TTS
 * fakes, pipeline mode). Modes: `floor` (bare ws: parse + answer each frame), `mulaw` (audio passed
 * through), `pcm16` (transcoded both ways), `engine` (OpenAI Realtime, PCM16 24 kHz both ways; not
 * in the default list: PATTER_LOAD_MODES=floor,engine). A run passes when event-loop p99 < 20 ms and ≥ 99 % of
 * the audio was delivered both ways. Env: PATTER_LOAD_CALLS, _MODES, _REPS, _WARMUP_S, _WINDOW_S, _PHASES, _RAMP_S.
 */
export async function run(): Promise<BenchReport> {
  const pinned = pinGenerator();
  const vendors = await startLoadVendors();
  const samples: Sample[] = [];
  try {
    for (let rep = 0; rep < REPS; rep++) {
      for (const calls of COUNTS) {
        for (const mode of MODES) samples.push(await measure(mode, calls, vendors, pinned));
      }
    }
  } finally {
    await vendors.close();
  }
  const rows = samples.map((s) => [
    s.mode,
    s.calls,
    s.cpuPercent,
    s.otherThreadsPercent ?? 'n/a',
    s.usPerCallFrame,
    s.loop.p50,
    s.loop.p99,
    s.loop.max,
    s.inDelivered,
    s.outDelivered,
    s.underruns,
    s.outMessagesPerS,
    s.rssKBPerCall,
    s.heapKBPerCall,
    s.v8KBPerCall,
    s.newSpaceKBPerCall,
    s.externalKBPerCall,
    s.majorGcs,
    s.promotedKBPerCallPerS,
    s.generatorP99,
    s.pass ? 'pass' : 'FAIL',
  ]);
  const notes = [
    `${REPS} rep(s); ${WARMUP_S} s warm-up then a ${WINDOW_S} s window; callers on ${PHASES} clock phase(s) per 20 ms; calls opened over ${RAMP_S} s; ${pinned ? 'server on core 0, generator + fakes on core 1' : 'taskset missing: NOT pinned'}; server node flags: ${serverNodeFlags().join(' ') || '(none)'}.`,
    'µs/call-frame = server CPU ÷ (calls × 50 frames/s × window): one frame in and one out per 20 ms per call. other threads: the part of that CPU spent off the main thread (V8 marking, sweeping and scavenging in parallel, background compiling; on the same pinned core).',
    'memory per call: (after a full GC at the end of the window, calls live) − (idle server after a GC), ÷ calls. heap = V8 heap used, V8 = V8 heap committed (used + free room; new space = its young generation), ext = ArrayBuffers and other memory outside the V8 heap; RSS − V8 − ext is code, malloc and the rest.',
    'full GCs: mark-compacts in the window. promoted ext: ArrayBuffer memory that outlived young-generation collections (measured after each scavenge), per call per second; freed only by a full GC, which V8 starts once external memory has grown 64 MB since the last one, so it also sets the garbage RSS keeps.',
    `STT fake: an empty final every ${STT_FINAL_EVERY_SECONDS} s of caller audio (load-vendors.ts says why); finals per call in the window: ${samples
      .filter((s) => s.mode === 'mulaw' || s.mode === 'pcm16')
      .map((s) => `${s.mode}@${s.calls} ${s.finalsPerCall.toFixed(1)}`)
      .join(', ')}.`,
    `TTS requests (sentences synthesized while they play) per call in the window: ${samples
      .filter((s) => s.mode === 'mulaw' || s.mode === 'pcm16')
      .map((s) => `${s.mode}@${s.calls} ${s.ttsPerCall.toFixed(1)}`)
      .join(', ')}.`,
    ...MODES.filter((m) => m !== 'floor').map((mode) => {
      const largest = Math.max(0, ...samples.filter((s) => s.mode === mode && s.pass).map((s) => s.calls));
      return `${mode}: largest passing N = ${largest}; cost vs floor at each N: ${ratios(samples, mode)}`;
    }),
  ];
  return {
    title: 'server-load: full-duplex Twilio pipeline calls on one core',
    columns: ['mode', 'calls', 'cpu %', 'other threads %', 'µs/call-frame', 'loop p50 ms', 'loop p99 ms', 'loop max ms', 'in %', 'out %', 'underruns', 'out msg/s', 'RSS KB/call', 'heap KB/call', 'V8 KB/call', 'new space KB/call', 'ext KB/call', 'full GCs', 'promoted ext KB/s/call', 'gen p99 ms', 'result'],
    rows,
    notes,
  };
}

function ratios(samples: readonly Sample[], mode: Mode): string {
  return COUNTS.map((calls) => {
    const ours = median(samples.filter((s) => s.mode === mode && s.calls === calls).map((s) => s.usPerCallFrame));
    const floor = median(samples.filter((s) => s.mode === 'floor' && s.calls === calls).map((s) => s.usPerCallFrame));
    return `${calls}: ${floor > 0 ? (ours / floor).toFixed(2) + '×' : 'n/a'}`;
  }).join(', ');
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
}

/** The generator's (and vendor fakes') event-loop delay: its frame clock is only as steady as this. */
const generatorLoop = monitorEventLoopDelay({ resolution: 5 });
generatorLoop.enable();

async function measure(mode: Mode, count: number, vendors: LoadVendors, pinned: boolean): Promise<Sample> {
  const port = await freePort();
  const server = await LoadServerProcess.start(
    {
      PATTER_LOAD_MODE: mode,
      PATTER_LOAD_PORT: String(port),
      PATTER_LOAD_VENDOR_URL: vendors.url,
      PATTER_LOAD_ACCOUNT_SID: ACCOUNT_SID,
      PATTER_LOAD_AUTH_TOKEN: AUTH_TOKEN,
      PATTER_LOAD_CALL_SECONDS: String(WARMUP_S + WINDOW_S + 10),
      PATTER_LOG_LEVEL: 'silent',
    },
    pinned ? 0 : undefined,
  );
  const calls: LoadCall[] = [];
  let stopClock = (): void => {};
  try {
    await server.ask('gc');
    const idle = await server.stats();
    const target: LoadTarget = { serverUrl: `http://127.0.0.1:${port}`, floor: mode === 'floor', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN };
    const batches = Math.ceil(count / 25);
    for (let batch = 0; batch < count; batch += 25) {
      const openedAt = performance.now();
      calls.push(...(await Promise.all(Array.from({ length: Math.min(25, count - batch) }, (_, i) => LoadCall.open(target, batch + i)))));
      if (RAMP_S > 0 && batch + 25 < count) await sleep(Math.max(0, (RAMP_S * 1000) / batches - (performance.now() - openedAt)));
    }
    stopClock = startCallerClocks(calls, PHASES);
    await sleep(WARMUP_S * 1000);
    await server.ask('reset');
    generatorLoop.reset();
    const before = await server.stats();
    const sttBefore = vendors.counters.sttBytes + vendors.counters.realtimeBytes;
    const finalsBefore = vendors.counters.sttFinals;
    const ttsBefore = vendors.counters.ttsRequests;
    const receivedBefore = sum(calls, (c) => c.received);
    const underrunsBefore = sum(calls, (c) => c.underruns);
    const messagesBefore = sum(calls, (c) => c.mediaMessages);
    await sleep(WINDOW_S * 1000);
    const after = await server.stats();
    const generatorP99 = generatorLoop.percentile(99) / 1e6;
    const sttBytes = vendors.counters.sttBytes + vendors.counters.realtimeBytes - sttBefore;
    const sttFinals = vendors.counters.sttFinals - finalsBefore;
    const ttsRequests = vendors.counters.ttsRequests - ttsBefore;
    const received = sum(calls, (c) => c.received) - receivedBefore;
    const underruns = sum(calls, (c) => c.underruns) - underrunsBefore;
    const messages = sum(calls, (c) => c.mediaMessages) - messagesBefore;
    // Memory is read after a full GC at the end of the window, calls still live: what the calls
    // hold, not the garbage a collection would free.
    await server.ask('gc');
    const { memory, newSpace } = await server.stats();

    const wallMs = after.at - before.at;
    const cpuUs = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system;
    const expectedFrames = (count * wallMs) / 20;
    const outDelivered = (100 * received) / expectedFrames;
    const inDelivered = mode === 'floor' ? outDelivered : (100 * sttBytes) / ((count * STT_BYTES_PER_S[mode] * wallMs) / 1000);
    const perCall = (bytes: number) => Math.round(bytes / 1024 / count);
    return {
      mode,
      calls: count,
      cpuPercent: (100 * cpuUs) / (wallMs * 1000),
      usPerCallFrame: cpuUs / expectedFrames,
      otherThreadsPercent:
        after.mainThreadCpuUs === undefined || before.mainThreadCpuUs === undefined
          ? undefined
          : (100 * (cpuUs - (after.mainThreadCpuUs - before.mainThreadCpuUs))) / cpuUs,
      loop: after.loop,
      inDelivered: Math.min(100, inDelivered),
      outDelivered: Math.min(100, outDelivered),
      underruns,
      outMessagesPerS: (1000 * messages) / (count * wallMs),
      rssKBPerCall: perCall(memory.rss - idle.memory.rss),
      heapKBPerCall: perCall(memory.heapUsed - idle.memory.heapUsed),
      v8KBPerCall: perCall(memory.heapTotal - idle.memory.heapTotal),
      newSpaceKBPerCall: perCall(newSpace - idle.newSpace),
      // `external` already includes `arrayBuffers` (Node's process.memoryUsage()).
      externalKBPerCall: perCall(memory.external - idle.memory.external),
      majorGcs: after.gc.majors,
      promotedKBPerCallPerS: Math.round(after.gc.promotedArrayBuffersPerS / 1024 / count),
      finalsPerCall: sttFinals / count,
      ttsPerCall: ttsRequests / count,
      generatorP99,
      pass: after.loop.p99 < 20 && inDelivered >= 99 && outDelivered >= 99,
    };
  } finally {
    stopClock();
    await Promise.all(calls.map((call) => call.hangUp()));
    await server.stop();
  }
}

/** Pins this process (generator + vendor fakes) to core 1; false when taskset or a 2nd core is missing. */
function pinGenerator(): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The callers' clocks: `phases` groups, group g ticking at g × 20/phases ms into each 20 ms; each
 * call sends one frame per 20 ms (catching up at most 5 after a late tick) and plays one. Returns stop.
 */
function startCallerClocks(calls: readonly LoadCall[], phases: number): () => void {
  const timers: NodeJS.Timeout[] = [];
  const groups = Math.max(1, Math.min(phases, calls.length));
  for (let g = 0; g < groups; g++) {
    const group = calls.filter((_, i) => i % groups === g);
    timers.push(
      setTimeout(() => {
        const started = performance.now();
        let ticks = 0;
        timers.push(
          setInterval(() => {
            const due = Math.floor((performance.now() - started) / 20);
            for (let catchUp = 0; ticks < due && catchUp < 5; catchUp++, ticks++) {
              for (const call of group) {
                call.sendFrame();
                call.playTick();
              }
            }
            ticks = Math.max(ticks, due);
          }, 20),
        );
      }, (g * 20) / groups),
    );
  }
  return () => {
    for (const timer of timers) clearTimeout(timer);
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sum = (calls: readonly LoadCall[], pick: (call: LoadCall) => number) => calls.reduce((total, call) => total + pick(call), 0);
