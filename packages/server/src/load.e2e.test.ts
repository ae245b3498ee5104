import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TwilioSimulator, type TwilioSimulatedCall } from '@patter/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { EchoStats } from './test-support/echo-session.js';

const CALLS = Number(process.env.PATTER_LOAD_CALLS ?? 200);
const SECONDS = Number(process.env.PATTER_LOAD_SECONDS ?? 5);
const FRAMES = SECONDS * 50;
const ACCOUNT_SID = 'AC' + 'b2'.repeat(16);
const AUTH_TOKEN = 'load-test-auth-token';
const packageDir = fileURLToPath(new URL('..', import.meta.url));

interface Stats {
  type: 'stats';
  cpu: NodeJS.CpuUsage;
  memory: NodeJS.MemoryUsage;
  at: number;
  activeCalls: number;
  /** Live timers in the server process. */
  timers: number;
  calls: EchoStats[];
}

let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
});

let nextId = 0;
/** Asks the server process something; replies are matched by id (the memory sampler asks concurrently). */
function request<T>(message: { type: string }, reply: string): Promise<T> {
  const id = ++nextId;
  return new Promise((resolve) => {
    const onMessage = (answer: { type: string; id?: number }) => {
      if (answer.type !== reply || (answer.id !== undefined && answer.id !== id)) return;
      child!.off('message', onMessage);
      resolve(answer as T);
    };
    child!.on('message', onMessage);
    child!.send({ ...message, id });
  });
}

/** Frame `seq` of call `n`: bytes 0–1 the call number, 2–3 the sequence, then a call-specific fill. */
function callAudio(n: number): Uint8Array {
  const audio = new Uint8Array(FRAMES * 160);
  for (let seq = 0; seq < FRAMES; seq++) {
    const frame = audio.subarray(seq * 160, seq * 160 + 160);
    frame.fill((n * 7 + seq) & 0xff);
    frame[0] = n >> 8;
    frame[1] = n & 0xff;
    frame[2] = seq >> 8;
    frame[3] = seq & 0xff;
  }
  return audio;
}

describe(`load: ${CALLS} concurrent Twilio calls on loopback`, () => {
  it('carries every frame both ways, each call to its own session only', { timeout: 180_000 }, async () => {
    child = fork('src/test-support/load-server.ts', [], {
      cwd: packageDir,
      execArgv: ['--conditions=@patter/source', '--import', 'tsx', '--expose-gc'],
      env: { ...process.env, LOAD_ACCOUNT_SID: ACCOUNT_SID, LOAD_AUTH_TOKEN: AUTH_TOKEN, PATTER_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const { url } = await request<{ url: string }>({ type: 'noop' }, 'ready');
    await request({ type: 'gc' }, 'gc');
    const idle = await request<Stats>({ type: 'stats' }, 'stats');

    const simulator = new TwilioSimulator({ serverUrl: url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
    const calls: TwilioSimulatedCall[] = [];
    for (let batch = 0; batch < CALLS; batch += 25) {
      const opened = await Promise.all(
        Array.from({ length: Math.min(25, CALLS - batch) }, (_, i) =>
          simulator.inboundCall({ from: `+1415555${String(batch + i).padStart(4, '0')}` }),
        ),
      );
      calls.push(...opened);
    }
    let connected = await request<Stats>({ type: 'stats' }, 'stats');
    for (let i = 0; i < 200 && connected.activeCalls < CALLS; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      connected = await request<Stats>({ type: 'stats' }, 'stats');
    }
    expect(connected.activeCalls).toBe(CALLS);
    await request({ type: 'gc' }, 'gc');
    const beforeAudio = await request<Stats>({ type: 'stats' }, 'stats');

    const audio = calls.map((_, n) => callAudio(n));
    let peakRss = 0;
    const sampler = setInterval(() => {
      void request<Stats>({ type: 'stats' }, 'stats').then((stats) => (peakRss = Math.max(peakRss, stats.memory.rss)));
    }, 500);
    await Promise.all(calls.map((call, n) => call.sendAudio(audio[n]!)));
    const afterAudio = await request<Stats>({ type: 'stats' }, 'stats');
    clearInterval(sampler);
    // Every echoed frame back at its own caller (paced out by the server at real time).
    await Promise.all(calls.map((call) => call.media.waitFor(() => call.receivedMs() >= FRAMES * 20, 30_000)));
    for (const [n, call] of calls.entries()) {
      expect(call.violations).toEqual([]);
      expect(call.receivedMs()).toBe(FRAMES * 20);
      expect(Buffer.compare(Buffer.from(call.receivedAudio()), Buffer.from(audio[n]!))).toBe(0);
    }
    const served = await request<Stats>({ type: 'stats' }, 'stats');
    expect(served.calls).toHaveLength(CALLS);
    const wrong = served.calls.filter((stats) => stats.frames !== FRAMES || stats.misrouted !== 0 || stats.outOfOrder !== 0);
    expect(wrong).toEqual([]);

    await Promise.all(calls.map((call) => call.stop()));
    let done = await request<Stats>({ type: 'stats' }, 'stats');
    for (let i = 0; i < 200 && done.activeCalls > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      done = await request<Stats>({ type: 'stats' }, 'stats');
    }
    expect(done.activeCalls).toBe(0);
    expect(done.calls.every((stats) => stats.ended)).toBe(true);
    // No call leaves a timer behind (pacers, keep-alives, token expiry, shutdown waits): once the
    // sockets have finished closing, the server is back to its idle timer count.
    const hungUp = done.timers;
    for (let i = 0; i < 150 && done.timers > idle.timers; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      done = await request<Stats>({ type: 'stats' }, 'stats');
    }
    console.log('[load] server timers', JSON.stringify({ idle: idle.timers, duringAudio: afterAudio.timers, atHangup: hungUp, settled: done.timers }));
    expect(done.timers).toBeLessThanOrEqual(idle.timers);

    const cpuMs = (afterAudio.cpu.user + afterAudio.cpu.system - beforeAudio.cpu.user - beforeAudio.cpu.system) / 1000;
    const wallMs = afterAudio.at - beforeAudio.at;
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);
    const report = {
      calls: CALLS,
      audioSecondsPerCall: SECONDS,
      framesPerCallEachWay: FRAMES,
      serverCpuPercentOfOneCore: Number(((cpuMs / wallMs) * 100).toFixed(1)),
      serverCpuPercentPerCall: Number(((cpuMs / wallMs) * 100 / CALLS).toFixed(3)),
      rssIdleMB: mb(idle.memory.rss),
      rssConnectedMB: mb(beforeAudio.memory.rss),
      rssPeakDuringAudioMB: mb(Math.max(peakRss, afterAudio.memory.rss)),
      rssPerCallKB: Number(((Math.max(peakRss, afterAudio.memory.rss) - idle.memory.rss) / 1024 / CALLS).toFixed(1)),
      heapPerCallKB: Number(((afterAudio.memory.heapUsed - idle.memory.heapUsed) / 1024 / CALLS).toFixed(1)),
    };
    console.log('[load] server usage', JSON.stringify(report));
    child!.send({ type: 'close' });
    await new Promise((resolve) => child!.once('exit', resolve));
  });
});
