import { request } from 'node:http';
import { createConsoleLogger, type Logger } from '@patter/core';
import type { CallRecord, CallStore } from '@patter/store';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { openTestStore } from '../test-support/history-store.js';
import { RecordingSession } from '../test-support/recording-session.js';
import { closed, inboundStreamUrl, openStream, post, send, startTestServer, waitFor, type TestServer } from '../test-support/test-server.js';

// The call history through the real server: a call's session events become a stored record,
// the dashboard's API and live stream serve it, and a database outage loses nothing.

let testStore: Awaited<ReturnType<typeof openTestStore>>;
let store: CallStore;
const servers: TestServer[] = [];

beforeAll(async () => {
  testStore = await openTestStore();
  store = testStore.store;
}, 120_000);
afterAll(async () => {
  await store.close();
});
beforeEach(async () => {
  testStore.setDown(false);
  await testStore.reset();
  RecordingSession.reset();
});
afterEach(async () => {
  for (const server of servers.splice(0)) await server.handle.close({ timeoutMs: 0 });
});

function logLines(): { logger: Logger; lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = [];
  return { lines, logger: createConsoleLogger({ level: 'debug', write: (line) => void lines.push(JSON.parse(line) as { level: string; msg: string }) }) };
}

async function serve(options: Parameters<typeof startTestServer>[0] = {}, logger?: Logger): Promise<TestServer> {
  const server = await startTestServer({ store, ...options }, logger);
  servers.push(server);
  return server;
}

/** A fake-carrier call whose session (a RecordingSession) replays a short conversation. */
async function playCall(server: TestServer, callId: string, from = '+15550001111'): Promise<{ ws: WebSocket; session: RecordingSession }> {
  const ws = await openStream(await inboundStreamUrl(server.handle));
  send(ws, { event: 'start', callId, from, to: '+15550001234' });
  await waitFor(() => RecordingSession.all.some((s) => s.options.transport.info?.callId === callId));
  const session = RecordingSession.all.find((s) => s.options.transport.info?.callId === callId) as RecordingSession;
  session.emit('transcript', { role: 'assistant', text: 'Acme, how can I help?', isFinal: true });
  session.emit('transcript', { role: 'user', text: 'book a', isFinal: false });
  session.emit('transcript', { role: 'user', text: 'Book a table for two', isFinal: true });
  session.emit('toolCall', { name: 'book_table', arguments: { people: 2 }, result: { ok: true } });
  session.emit('transcript', { role: 'assistant', text: 'Booked, your table', isFinal: true });
  session.emit('metrics', { callId, turn: 1, sttMs: 110, llmFirstTokenMs: 320, ttsFirstByteMs: 140, totalMs: 650, interrupted: true, providers: { stt: 'deepgram' } });
  return { ws, session };
}

async function waitForStored(callId: string, timeoutMs = 20_000): Promise<CallRecord> {
  let found: CallRecord | undefined;
  const start = Date.now();
  while (!found) {
    if (Date.now() - start > timeoutMs) throw new Error(`call ${callId} not stored in time`);
    found = await store.getCall(callId).catch(() => undefined);
    if (!found) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return found;
}

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { connection: 'close', ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('call history', () => {
  it('a finished call is stored with its timeline (tool in place, barge-in marked), turn metrics, numbers and agent', async () => {
    const server = await serve();
    const { ws } = await playCall(server, 'CA-HIST-1');
    ws.close();
    await closed(ws);
    const record = await waitForStored('CA-HIST-1');
    expect(record).toMatchObject({ callId: 'CA-HIST-1', carrier: 'fake', direction: 'inbound', from: '+15550001111', to: '+15550001234', endReason: 'caller_hangup' });
    expect(record.timeline.map((item) => (item.kind === 'tool' ? `tool ${item.name}` : `${item.kind}: ${item.text}${item.interrupted ? ' ✂' : ''}`))).toEqual([
      'assistant: Acme, how can I help?',
      'user: Book a table for two',
      'tool book_table',
      'assistant: Booked, your table ✂',
    ]);
    expect(record.turns).toEqual([expect.objectContaining({ turn: 1, sttMs: 110, llmFirstTokenMs: 320, ttsFirstByteMs: 140, totalMs: 650, interrupted: true })]);
  });

  it('a recording the carrier reports after the call is added to the stored call', async () => {
    const server = await serve();
    const { ws } = await playCall(server, 'CA-REC');
    ws.close();
    await closed(ws);
    await waitForStored('CA-REC');
    const event = { type: 'recording', callId: 'CA-REC', url: 'https://api.example.com/rec/RE1.mp3', durationSeconds: 12 };
    expect((await post(`${server.handle.url}/fake/event`, JSON.stringify(event))).status).toBe(204);
    let recordings: unknown[] = [];
    await waitFor(() => recordings.length > 0 || (void store.getCall('CA-REC').then((r) => (recordings = [...(r?.recordings ?? [])])), false), 10_000);
    expect(recordings).toEqual([{ url: 'https://api.example.com/rec/RE1.mp3', durationSeconds: 12 }]);
  });

  it('the dashboard API lists, searches, filters and returns the call; export gives CSV', async () => {
    const server = await serve();
    for (const [id, from] of [['CA-A', '+15550001111'], ['CA-B', '+15550002222']] as const) {
      const { ws } = await playCall(server, id, from);
      ws.close();
      await closed(ws);
      await waitForStored(id);
    }
    const base = `${server.handle.dashboardUrl}/api`;
    expect(server.handle.dashboardUrl).toBe(`${server.handle.url}/dashboard`);
    const list = JSON.parse((await get(`${base}/calls`)).body) as { calls: { callId: string }[] };
    expect(list.calls.map((c) => c.callId)).toEqual(['CA-B', 'CA-A']);
    const byNumber = JSON.parse((await get(`${base}/calls?number=%2B15550002222`)).body) as { calls: { callId: string }[] };
    expect(byNumber.calls.map((c) => c.callId)).toEqual(['CA-B']);
    const byText = JSON.parse((await get(`${base}/calls?q=TABLE%20for`)).body) as { calls: unknown[] };
    expect(byText.calls).toHaveLength(2);
    const paged = JSON.parse((await get(`${base}/calls?limit=1`)).body) as { calls: { callId: string }[]; nextCursor: string };
    const next = JSON.parse((await get(`${base}/calls?limit=1&cursor=${paged.nextCursor}`)).body) as { calls: { callId: string }[] };
    expect([...paged.calls, ...next.calls].map((c) => c.callId)).toEqual(['CA-B', 'CA-A']);
    const one = await get(`${base}/calls/CA-A`);
    expect(JSON.parse(one.body)).toMatchObject({ callId: 'CA-A', turns: [{ totalMs: 650 }] });
    expect((await get(`${base}/calls/nope`)).status).toBe(404);
    expect((await get(`${base}/calls?cursor=bogus`)).status).toBe(400);
    const csv = await get(`${base}/export?format=csv`);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.split('\r\n').filter(Boolean)).toHaveLength(3);
    const overview = JSON.parse((await get(`${base}/overview?days=2`)).body) as { days: { calls: number; latencyP50Ms: number }[] };
    expect(overview.days.at(-1)).toMatchObject({ calls: 2, latencyP50Ms: 650 });
    const page = await get(`${server.handle.dashboardUrl}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script type="module" src="/dashboard/app.js">');
    expect(page.headers['x-frame-options']).toBe('DENY');
  });

  it('the live stream sends a snapshot, then each change of a running call, then its end', async () => {
    const server = await serve();
    const events: { event: string; data: { type?: string; call?: { callId: string; speaking?: string; partial?: string; timeline: unknown[]; latencyMs?: number } } }[] = [];
    const stream = request(`${server.handle.dashboardUrl}/api/live`, { agent: false });
    let buffer = '';
    stream.on('response', (res) => {
      expect(res.headers['content-type']).toBe('text/event-stream');
      res.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      });
    });
    stream.end();
    await waitFor(() => events.length >= 1);
    expect(events[0]).toEqual({ event: 'snapshot', data: [] });
    const { ws } = await playCall(server, 'CA-LIVE');
    await waitFor(() => events.some((e) => e.data.type === 'metrics'));
    const partial = events.find((e) => e.data.call?.partial === 'book a');
    expect(partial?.data.call?.speaking).toBe('user');
    const latest = events.at(-1)?.data.call;
    expect(latest).toMatchObject({ callId: 'CA-LIVE', latencyMs: 650 });
    expect(latest?.timeline).toHaveLength(4);
    ws.close();
    await waitFor(() => events.some((e) => e.data.type === 'end'));
    stream.destroy();
  });

  it('a database down during the call: the call goes on, the record waits (logged) and lands once it is back', async () => {
    const { logger, lines } = logLines();
    const server = await serve({}, logger);
    testStore.setDown(true);
    const { ws } = await playCall(server, 'CA-OUTAGE');
    ws.close();
    await closed(ws);
    await waitFor(() => lines.some((l) => l.msg === 'store write failed: will retry'), 10_000);
    expect(await store.getCall('CA-OUTAGE').catch(() => 'unreachable')).toBe('unreachable');
    testStore.setDown(false);
    const record = await waitForStored('CA-OUTAGE');
    expect(record.timeline).toHaveLength(4);
    expect(lines.some((l) => l.msg === 'store reachable again: writes resumed')).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('Book a table');
  }, 40_000);
});

describe('dashboard access', () => {
  it('open to this machine in development; a foreign Host (DNS rebinding) is refused', async () => {
    const server = await serve();
    expect((await get(`${server.handle.dashboardUrl}/api/calls`)).status).toBe(200);
    expect((await get(`${server.handle.dashboardUrl}/api/calls`, { host: 'evil.example' })).status).toBe(401);
    expect((await get(`${server.handle.dashboardUrl}/`, { host: 'evil.example' })).status).toBe(403);
  });

  it('with a secret: others log in (same-origin only) and get a cookie, or send it as a Bearer token', async () => {
    const secret = 'dashboard-secret-0123456789';
    const server = await serve({ dashboard: { secret } });
    const host = { host: 'calls.example.com' };
    expect((await get(`${server.handle.dashboardUrl}/`, host)).status).toBe(303);
    expect((await get(`${server.handle.dashboardUrl}/api/calls`, { ...host, authorization: `Bearer ${secret}` })).status).toBe(200);
    expect((await get(`${server.handle.dashboardUrl}/api/calls`, { ...host, authorization: 'Bearer wrong-secret-0123456789' })).status).toBe(401);
    const login = (origin: string, candidate: string) =>
      new Promise<{ status: number; cookie: string | undefined; location: string | undefined }>((resolve, reject) => {
        const req = request(`${server.handle.dashboardUrl}/login`, {
          method: 'POST',
          agent: false,
          headers: { ...host, origin, 'content-type': 'application/x-www-form-urlencoded' },
        }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie']?.[0], location: res.headers.location }));
        });
        req.on('error', reject);
        req.end(new URLSearchParams({ secret: candidate }).toString());
      });
    expect((await login('https://evil.example', secret)).status).toBe(403);
    expect((await login('http://calls.example.com', 'nope')).location).toBe('/dashboard/login?failed=1');
    const ok = await login('http://calls.example.com', secret);
    expect(ok.cookie).toMatch(/^patter_dashboard=[\w-]+; Path=\/dashboard; HttpOnly; SameSite=Strict/);
    expect(ok.cookie).not.toContain(secret);
    const cookie = (ok.cookie as string).split(';')[0] as string;
    expect((await get(`${server.handle.dashboardUrl}/api/calls`, { ...host, cookie })).status).toBe(200);
  });

  it('in production: off without a secret, and asking for it without one names the option', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      const server = await serve({ devPhone: false });
      expect(server.handle.dashboardUrl).toBeUndefined();
      expect((await get(`${server.handle.url}/dashboard/api/calls`)).status).toBe(404);
      await expect(startTestServer({ store, dashboard: true, devPhone: false })).rejects.toMatchObject({ name: 'ConfigError', option: 'dashboard.secret' });
    } finally {
      process.env.NODE_ENV = previous;
    }
  });

  it('store: false turns the history off; postCall without a store is a ConfigError', async () => {
    const server = await serve({ store: false });
    expect(server.handle.dashboardUrl).toBeUndefined();
    await expect(startTestServer({ store: false, postCall: { url: 'http://127.0.0.1:1/hook', secret: 'x'.repeat(16) } })).rejects.toMatchObject({
      option: 'postCall',
    });
  });
});
