import { request } from 'node:http';
import { silentLogger, type CallEndSummary } from '@patter/core';
import { WebSocket } from '@patter/core/plugin';
import { Twilio } from '@patter/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { Patter } from '../patter.js';
import type { ServerHandle } from '../serve.js';

let handle: ServerHandle | undefined;
afterEach(async () => {
  await handle?.close({ timeoutMs: 0 });
  handle = undefined;
});

const bookings: unknown[] = [];

/** A text-only receptionist: `onMessage` replies, and books through a tool when asked. */
async function serveTextAgent(options: { devPhone?: boolean } = {}) {
  const ends: CallEndSummary[] = [];
  const phone = new Patter({
    carrier: new Twilio({ accountSid: 'AC' + '0'.repeat(32), authToken: 'token' }),
    phoneNumber: '+15550001234',
    logger: silentLogger,
  });
  const agent = phone.agent({
    firstMessage: 'Luigi’s, how can I help?',
    tools: [
      {
        name: 'book_table',
        description: 'Book a table',
        parameters: { type: 'object', properties: { people: { type: 'number' } }, required: ['people'] },
        handler: (args: { people: number }) => {
          bookings.push(args);
          return { ok: true, ref: 'B-1' };
        },
      },
    ],
    onMessage: async ({ text, call, runTool }) => {
      if (text.startsWith('Book')) {
        const result = (await runTool('book_table', { people: 2 })) as { ref: string };
        return `Booked, reference ${result.ref}.`;
      }
      return `Noted: ${text}. ${call.callId.startsWith('devphone-') ? 'From the dev phone.' : ''}`;
    },
  });
  handle = await phone.serve({ agent, port: 0, host: '127.0.0.1', shutdownSignals: false, onCallEnd: (s) => void ends.push(s), ...options });
  return { ends };
}

interface PageMessage {
  readonly event: string;
  readonly [field: string]: unknown;
}

async function dial(url: string): Promise<{ ws: WebSocket; messages: PageMessage[]; callId: string }> {
  const answer = (await (await fetch(`${url}/devphone/call`, { method: 'POST', headers: { origin: url } })).json()) as { streamPath: string; callId: string; mode: string };
  expect(answer.mode).toBe('text');
  const ws = new WebSocket(`${url.replace('http', 'ws')}${answer.streamPath}`);
  const messages: PageMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as PageMessage));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ event: 'start', start: { streamId: 'S1', callId: answer.callId } }));
  return { ws, messages, callId: answer.callId };
}

/** POSTs /devphone/call with headers fetch() will not let a test set (Host). */
function postCall(url: string, headers: Record<string, string>): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: new URL(url).port, path: '/devphone/call', method: 'POST', headers }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(predicate: () => boolean): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > 3000) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('dev phone', () => {
  it('serves the page and its scripts beside the carrier webhooks', async () => {
    await serveTextAgent();
    const page = await fetch(`${handle!.url}/phone`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<script type="module" src="/devphone/app.js">');
    expect((await fetch(`${handle!.url}/devphone/worklets.js`)).status).toBe(200);
    expect(handle!.devPhoneUrl).toBe(`${handle!.url}/phone`);
  });

  it('runs a text-mode call: greeting, typed turns, replies and the call end, mirrored to the page', async () => {
    const { ends } = await serveTextAgent();
    const { ws, messages, callId } = await dial(handle!.url);
    await until(() => messages.some((m) => m.event === 'reply'));
    expect(messages.find((m) => m.event === 'reply')).toEqual({ event: 'reply', text: 'Luigi’s, how can I help?' });
    ws.send(JSON.stringify({ event: 'text', text: 'A table for two' }));
    await until(() => messages.filter((m) => m.event === 'transcript').length >= 3);
    expect(messages.filter((m) => m.event === 'transcript').map((m) => [m.role, m.text])).toEqual([
      ['assistant', 'Luigi’s, how can I help?'],
      ['user', 'A table for two'],
      ['assistant', 'Noted: A table for two. From the dev phone.'],
    ]);
    ws.send(JSON.stringify({ event: 'text', text: 'Book it' }));
    await until(() => messages.some((m) => m.event === 'reply' && m.text === 'Booked, reference B-1.'));
    expect(messages.find((m) => m.event === 'toolCall')).toMatchObject({
      event: 'toolCall',
      name: 'book_table',
      arguments: { people: 2 },
      result: { ok: true, ref: 'B-1' },
    });
    expect(bookings).toEqual([{ people: 2 }]);
    ws.send(JSON.stringify({ event: 'stop', streamId: 'S1' }));
    await until(() => ends.length === 1);
    expect(ends[0]).toMatchObject({ callId, reason: 'caller_hangup' });
    ws.close();
  });

  it('logs and drops bad frames from the page; the call goes on', async () => {
    await serveTextAgent();
    const { ws, messages } = await dial(handle!.url);
    await until(() => messages.some((m) => m.event === 'reply'));
    for (const bad of ['not json', '{"event":"text"', '{"event":"text","text":42}', JSON.stringify({ event: 'text', text: 'x'.repeat(2001) }), '{"event":"media"}', '{"event":"nope"}']) {
      ws.send(bad);
    }
    ws.send(Buffer.from([1, 2, 3]));
    ws.send(JSON.stringify({ event: 'text', text: 'still there?' }));
    await until(() => messages.some((m) => m.event === 'transcript' && m.role === 'assistant' && m.text === 'Noted: still there?. From the dev phone.'));
    expect(messages.filter((m) => m.event === 'transcript' && m.role === 'user').map((m) => m.text)).toEqual(['still there?']);
    expect(messages.some((m) => m.event === 'end')).toBe(false);
    ws.close();
  });

  it('refuses a cross-origin page, a stream without a valid token, and is off when asked', async () => {
    await serveTextAgent();
    const refused = await fetch(`${handle!.url}/devphone/call`, { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(refused.status).toBe(403);
    // A sandboxed or file:// page sends `Origin: null`: refused too, not a server error.
    expect((await fetch(`${handle!.url}/devphone/call`, { method: 'POST', headers: { origin: 'null' } })).status).toBe(403);
    // DNS rebinding: evil.example re-pointed at 127.0.0.1 is same-origin with itself, but its Host
    // is neither an IP, localhost nor the public URL.
    const port = new URL(handle!.url).port;
    expect(await postCall(handle!.url, { host: `evil.example:${port}`, origin: `http://evil.example:${port}` })).toBe(403);
    expect(await postCall(handle!.url, { host: `localhost:${port}`, origin: `http://localhost:${port}` })).toBe(200);
    expect(await postCall(handle!.url, { host: `[::1]:${port}`, origin: `http://[::1]:${port}` })).toBe(200);
    // No Origin: not a page of this server (more in devphone-access.test.ts).
    expect(await postCall(handle!.url, { host: `localhost:${port}` })).toBe(403);
    const ws = new WebSocket(`${handle!.url.replace('http', 'ws')}/devphone/stream/${'a'.repeat(32)}/forged`);
    const status = await new Promise<number | undefined>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode)));
    expect(status).toBe(401);
    await handle!.close({ timeoutMs: 0 });
    await serveTextAgent({ devPhone: false });
    expect((await fetch(`${handle!.url}/phone`)).status).toBe(404);
  });
});

describe('dev phone default', () => {
  const saved = process.env.NODE_ENV;
  afterEach(() => {
    if (saved === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = saved;
  });

  it('is on in development, off in production unless asked for', async () => {
    process.env.NODE_ENV = 'development';
    await serveTextAgent();
    expect(handle!.devPhoneUrl).toBe(`${handle!.url}/phone`);
    expect((await fetch(`${handle!.url}/phone`)).status).toBe(200);
    await handle!.close({ timeoutMs: 0 });

    process.env.NODE_ENV = 'production';
    await serveTextAgent();
    expect(handle!.devPhoneUrl).toBeUndefined();
    expect((await fetch(`${handle!.url}/phone`)).status).toBe(404);
    expect((await fetch(`${handle!.url}/devphone/call`, { method: 'POST' })).status).toBe(404);
    await handle!.close({ timeoutMs: 0 });

    await serveTextAgent({ devPhone: true });
    expect(handle!.devPhoneUrl).toBe(`${handle!.url}/phone`);
    expect((await fetch(`${handle!.url}/phone`)).status).toBe(200);
  });
});

describe('Patter without a carrier', () => {
  it('needs no options, and refuses to serve nothing when the dev phone is off', async () => {
    expect(new Patter().carrier).toBeUndefined();
    const phone = new Patter({ logger: silentLogger });
    const agent = phone.agent({ onMessage: () => 'Hello!' });
    await expect(phone.serve({ agent, port: 0, devPhone: false, shutdownSignals: false })).rejects.toMatchObject({ option: 'devPhone' });
  });

  it('serves the dev phone as the only way in', async () => {
    const phone = new Patter({ logger: silentLogger });
    handle = await phone.serve({ agent: phone.agent({ onMessage: () => 'Hello!' }), port: 0, host: '127.0.0.1', shutdownSignals: false });
    expect(handle.devPhoneUrl).toBe(`${handle.url}/phone`);
    expect(handle.webhooks).toEqual(['GET /phone', 'GET /devphone/app.js', 'GET /devphone/worklets.js', 'POST /devphone/call'].map((r) => r.replace(' ', ` ${handle!.url}`)));
    const { ws, messages } = await dial(handle.url);
    ws.send(JSON.stringify({ event: 'text', text: 'Hi' }));
    await until(() => messages.some((m) => m.event === 'reply'));
    expect(messages.find((m) => m.event === 'reply')).toEqual({ event: 'reply', text: 'Hello!' });
    ws.close();
  });
});
