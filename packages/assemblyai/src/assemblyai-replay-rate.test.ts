import { PCM16_16K, type Transcript } from '@patter/core';
import { FakeWebSocketServer } from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { AssemblyAISTT } from './index.js';

// ---------------------------------------------------------------------------------------------
// A loopback AssemblyAI v3 `/v3/ws` that enforces the audio rules of protocols/stt/assemblyai.md
// §3: each message 50–1000 ms ("Input duration violation") and no faster than real time ("Audio
// Transmission Rate Exceeded": here, more than 1 s of audio ahead of the session's wall clock),
// both answered with `Error` 3007 + close 3007. ForceEndpoint → a final Turn with every word heard
// on the session; Terminate → Termination + close 1000. The n-th upgrade can be held (a gate).
// ---------------------------------------------------------------------------------------------
const KEY = 'test-key';
const WORDS = ['', 'hello', 'there', 'general', 'kenobi'];
const BYTES_PER_MS = 32; // PCM16 16 kHz
const RATE_SLACK_MS = 1000;

interface Fake {
  server: FakeWebSocketServer;
  upgradeCalls: number;
  /** 3007 closes the fake sent, with their reasons. */
  violations: string[];
  /** performance.now() of the last violation. */
  violationAt?: number;
  /** performance.now() at each session's start. */
  openedAt: number[];
  release(): void;
}

const servers: FakeWebSocketServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function fakeAssemblyAI(options: { dropAfterBytes?: number; holdUpgrade?: number; rateLimitFirst?: boolean; refuseFirst?: [number, string] } = {}): Promise<Fake> {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const fake: Fake = { server: undefined as never, upgradeCalls: 0, violations: [], openedAt: [], release };
  fake.server = await FakeWebSocketServer.start({
    path: '/v3/ws',
    onUpgrade: async () => {
      fake.upgradeCalls++;
      if (fake.upgradeCalls === options.holdUpgrade) await gate;
    },
    onConnection: (conn) => {
      const index = fake.server.connections.indexOf(conn);
      const ws = conn.socket;
      if (conn.headers.authorization !== KEY) return void ws.close(1008, 'Unauthorized Connection: Missing Authorization header');
      if (index === 0 && options.refuseFirst) {
        fake.violationAt = performance.now();
        return void ws.close(...options.refuseFirst);
      }
      const openedAt = performance.now();
      fake.openedAt[index] = openedAt;
      let audioMs = 0;
      const words: string[] = [];
      ws.send(JSON.stringify({ type: 'Begin', id: `session-${index}`, expires_at: 1764000000 }));
      const violation = (reason: string) => {
        fake.violations.push(reason);
        fake.violationAt = performance.now();
        ws.send(JSON.stringify({ type: 'Error', error_code: 3007, error: reason }));
        ws.close(3007, reason);
      };
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) {
          const ms = data.byteLength / BYTES_PER_MS;
          if (ms < 50 || ms > 1000) return violation(`Input duration violation: ${ms} ms. Expected between 50 and 1000 ms`);
          audioMs += ms;
          if (index === 0 && options.rateLimitFirst) return violation('Audio Transmission Rate Exceeded: Received 9.0 sec. audio in 1.0 sec');
          const elapsedMs = performance.now() - openedAt;
          if (audioMs > elapsedMs + RATE_SLACK_MS) {
            return violation(`Audio Transmission Rate Exceeded: Received ${(audioMs / 1000).toFixed(1)} sec. audio in ${(elapsedMs / 1000).toFixed(1)} sec`);
          }
          for (let i = 0; i < data.byteLength; i += 640) {
            const word = WORDS[data[i] ?? 0] ?? '';
            if (word && words[words.length - 1] !== word) words.push(word);
          }
          if (index === 0 && options.dropAfterBytes !== undefined && conn.binaryBytes().length >= options.dropAfterBytes) void conn.terminate();
          return;
        }
        const m = JSON.parse(data.toString()) as { type?: string };
        if (m.type === 'ForceEndpoint') {
          const text = words.splice(0).join(' ');
          ws.send(JSON.stringify({ type: 'Turn', turn_order: 0, turn_is_formatted: false, end_of_turn: true, transcript: text, words: [], utterance: text }));
        } else if (m.type === 'Terminate') {
          ws.send(JSON.stringify({ type: 'Termination', audio_duration_seconds: 1, session_duration_seconds: 1 }));
          setTimeout(() => ws.close(1000), 20);
        } else ws.close(3006, 'Invalid Message Type');
      });
    },
  });
  servers.push(fake.server);
  return fake;
}

const frame = (word: string, ms = 20) => new Uint8Array(ms * BYTES_PER_MS).fill(WORDS.indexOf(word));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}
async function collect(iterable: AsyncIterable<Transcript>): Promise<Transcript[]> {
  const out: Transcript[] = [];
  for await (const t of iterable) out.push(t);
  return out;
}

describe('AssemblyAISTT audio pace (3007)', () => {
  it('a reconnect replays a 3 s backlog no faster than real time: no 3007, and the turn holds every word', async () => {
    const fake = await fakeAssemblyAI({ dropAfterBytes: 6 * 640, holdUpgrade: 2 });
    const stream = new AssemblyAISTT({ apiKey: KEY, baseUrl: fake.server.url }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    await until(() => fake.server.connections.length === 1);
    for (let i = 0; i < 6; i++) stream.sendAudio(frame('hello')); // conn 0 drops after these 120 ms
    await until(() => fake.upgradeCalls === 2); // reconnecting: the socket is gone
    for (let i = 0; i < 75; i++) stream.sendAudio(frame('there')); // 1.5 s heard while reconnecting
    for (let i = 0; i < 75; i++) stream.sendAudio(frame('general'));
    const released = performance.now();
    fake.release();
    await until(() => (fake.server.connections[1]?.binaryBytes().length ?? 0) >= 156 * 640 || fake.violations.length > 0);
    const drainedMs = performance.now() - released;
    stream.finalize();
    await until(() => (fake.server.connections[1]?.textMessages().includes('{"type":"ForceEndpoint"}') ?? false) || fake.violations.length > 0);
    await sleep(30);
    await stream.close();
    expect(fake.violations).toEqual([]);
    expect((await all).filter((t) => t.isFinal).map((t) => t.text)).toEqual(['hello there general']);
    // 3.12 s of audio, 0.5 s of it as the burst: the rest took at least ~2.6 s of wall clock.
    expect(drainedMs).toBeGreaterThan(2000);
    expect(fake.server.upgrades).toHaveLength(2);
  }, 30_000);

  it('one sendAudio() longer than 1000 ms is split into messages of at most 1000 ms', async () => {
    const fake = await fakeAssemblyAI();
    const stream = new AssemblyAISTT({ apiKey: KEY, baseUrl: fake.server.url }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    await until(() => fake.server.connections.length === 1);
    await sleep(600); // the session clock allows this much audio ahead of real time
    stream.sendAudio(frame('kenobi', 1200));
    await until(() => (fake.server.connections[0]?.binaryBytes().length ?? 0) >= 1200 * BYTES_PER_MS || fake.violations.length > 0);
    stream.finalize();
    await until(() => (fake.server.connections[0]?.textMessages().includes('{"type":"ForceEndpoint"}') ?? false) || fake.violations.length > 0);
    await sleep(30);
    await stream.close();
    expect(fake.violations).toEqual([]);
    const sizes = fake.server.connections[0]?.binaryMessages().map((m) => m.byteLength) ?? [];
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1000 * BYTES_PER_MS);
    expect((await all).filter((t) => t.isFinal).map((t) => t.text)).toEqual(['kenobi']);
  }, 30_000);

  it('a 3007 "Audio Transmission Rate Exceeded" close is retried after a short wait, and the turn completes', async () => {
    const fake = await fakeAssemblyAI({ rateLimitFirst: true });
    const stream = new AssemblyAISTT({ apiKey: KEY, baseUrl: fake.server.url }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    await until(() => fake.server.connections.length === 1);
    for (let i = 0; i < 5; i++) stream.sendAudio(frame('hello'));
    await until(() => fake.server.connections.length === 2);
    const reconnectGap = (fake.openedAt[1] ?? 0) - (fake.violationAt ?? 0);
    await until(() => (fake.server.connections[1]?.binaryBytes().length ?? 0) >= 5 * 640);
    stream.finalize();
    await until(() => fake.server.connections[1]?.textMessages().includes('{"type":"ForceEndpoint"}') ?? false);
    await sleep(30);
    await stream.close();
    expect(fake.violations).toHaveLength(1);
    expect((await all).filter((t) => t.isFinal).map((t) => t.text)).toEqual(['hello']);
    expect(reconnectGap).toBeGreaterThanOrEqual(900);
  }, 30_000);

  it.each([
    [3009, 'Unauthorized Connection: Too many concurrent sessions'],
    [1008, 'Unauthorized connection: Too many concurrent sessions'],
  ] as [number, string][])('a %i "too many sessions" close is retried after a wait, and the turn completes', async (code, reason) => {
    const fake = await fakeAssemblyAI({ refuseFirst: [code, reason] });
    const stream = new AssemblyAISTT({ apiKey: KEY, baseUrl: fake.server.url }).stream({ format: PCM16_16K });
    const all = collect(stream.transcripts());
    for (let i = 0; i < 5; i++) stream.sendAudio(frame('kenobi'));
    await until(() => (fake.server.connections[1]?.binaryBytes().length ?? 0) >= 5 * 640);
    const reconnectGap = (fake.openedAt[1] ?? 0) - (fake.violationAt ?? 0);
    stream.finalize();
    await until(() => fake.server.connections[1]?.textMessages().includes('{"type":"ForceEndpoint"}') ?? false);
    await sleep(30);
    await stream.close();
    expect((await all).filter((t) => t.isFinal).map((t) => t.text)).toEqual(['kenobi']);
    expect(reconnectGap).toBeGreaterThanOrEqual(4500);
  }, 30_000);
});
