import { describe, expect, it } from 'vitest';
import { CarrierHarness, TwilioSimulator } from '@patter/testing';
import { Twilio } from './twilio.js';

const ACCOUNT = 'AC00000000000000000000000000000001';
const TOKEN = 'fixture_auth_token_not_real_0001';
/** 200 in CI is too much for one process playing both sides on a small runner; LOAD_CALLS=200 to try. */
const CALLS = Number(process.env.LOAD_CALLS ?? 50);
const SECONDS = 3;

describe('Twilio transport under load (simulator and carrier in one process)', () => {
  it(`${CALLS} concurrent full-duplex calls: no dropped frame, each call's audio only in its own transport`, async () => {
    const harness = await CarrierHarness.start(new Twilio({ accountSid: ACCOUNT, authToken: TOKEN }));
    const sim = new TwilioSimulator({ serverUrl: harness.publicUrl, authToken: TOKEN, accountSid: ACCOUNT });
    try {
      const calls = await Promise.all(Array.from({ length: CALLS }, () => sim.inboundCall()));
      const servers = await Promise.all(calls.map(async () => harness.calls.next(10_000)));
      await Promise.all(servers.map((s) => s.started));
      // Echo every caller frame back (full duplex through the pacer).
      for (const server of servers) server.transport.on('audio', (audio) => server.transport.sendAudio(audio));
      const byCallSid = new Map(servers.map((s) => [s.transport.info!.callId, s]));
      const memBefore = process.memoryUsage().rss;
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      await Promise.all(
        calls.map((call, i) => {
          const audio = new Uint8Array(8000 * SECONDS).fill(i % 250); // each call has its own byte value
          return call.sendAudio(audio);
        }),
      );
      const wall = performance.now() - started;
      // The echo is paced at real time; give a loaded machine time to deliver all of it.
      const deadline = performance.now() + 15_000;
      while (performance.now() < deadline && calls.some((c) => c.receivedAudio().byteLength < 8000 * SECONDS)) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const cpu = process.cpuUsage(cpuBefore);
      const rssPerCall = (process.memoryUsage().rss - memBefore) / CALLS;
      calls.forEach((call, i) => {
        const server = byCallSid.get(call.callSid)!;
        const inbound = Buffer.concat(server.audio.items);
        expect(inbound.byteLength).toBe(8000 * SECONDS);
        expect(inbound.every((b) => b === i % 250)).toBe(true);
        expect(call.receivedAudio().byteLength).toBe(8000 * SECONDS);
        expect(call.receivedAudio().every((b) => b === i % 250)).toBe(true);
        expect(call.violations).toEqual([]);
      });
      const cpuShare = (cpu.user + cpu.system) / 1000 / wall;
      console.info(
        JSON.stringify({ calls: CALLS, seconds: SECONDS, cpuCoreShare: +cpuShare.toFixed(3), cpuPerCallPct: +((cpuShare / CALLS) * 100).toFixed(3), rssPerCallKiB: Math.round(rssPerCall / 1024) }),
      );
      await Promise.all(calls.map((c) => c.stop()));
    } finally {
      await harness.close();
    }
  }, 60_000);
});
