import { request } from 'node:http';
import { createConsoleLogger } from '@patter/core';
import { WebSocket } from '@patter/core/plugin';
import { Twilio } from '@patter/twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Patter } from '../patter.js';
import type { ServerHandle } from '../serve.js';
import type { DevPhoneOptions } from './devphone-options.js';

// Who may use the dev phone, through the real server: by default a loopback client under a
// loopback Host, starting calls same-origin; other devices only with the secret.

const PUBLIC = 'https://abc123.tunnel.example';
const SECRET = 'correct horse battery staple';

let handle: ServerHandle | undefined;
/** The server's log, one parsed JSON line each. */
let logs: { level: string; msg: string; [field: string]: unknown }[] = [];
const savedEnv = { NODE_ENV: process.env.NODE_ENV, PATTER_DEVPHONE_SECRET: process.env.PATTER_DEVPHONE_SECRET };
beforeEach(() => {
  logs = [];
  delete process.env.NODE_ENV;
  delete process.env.PATTER_DEVPHONE_SECRET;
});
afterEach(async () => {
  await handle?.close({ timeoutMs: 0 });
  handle = undefined;
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

/** A text agent beside Twilio, public through a tunnel, as `patter serve` runs it in development. */
async function serve(devPhone?: boolean | DevPhoneOptions): Promise<ServerHandle> {
  const phone = new Patter({
    carrier: new Twilio({ accountSid: 'AC' + '0'.repeat(32), authToken: 'token' }),
    phoneNumber: '+15550001234',
    webhookUrl: PUBLIC,
    logger: createConsoleLogger({ level: 'debug', write: (line) => void logs.push(JSON.parse(line) as (typeof logs)[number]) }),
  });
  const agent = phone.agent({ onMessage: ({ text }) => `You said ${text}.` });
  handle = await phone.serve({ agent, port: 0, host: '127.0.0.1', shutdownSignals: false, ...(devPhone !== undefined && { devPhone }) });
  return handle;
}

interface Answer {
  readonly status: number | undefined;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** An HTTP request with headers fetch() will not let a test set (Host), from a chosen loopback address. */
function send(method: string, path: string, headers: Record<string, string> = {}, body = '', localAddress = '127.0.0.1'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: new URL(handle!.url).port, path, method, headers, localAddress }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens the media stream; resolves with the socket once open, or the HTTP status it was refused with. */
function openStream(path: string, headers: Record<string, string>, origin?: string): Promise<WebSocket | number | undefined> {
  const ws = new WebSocket(`${handle!.url.replace('http', 'ws')}${path}`, { headers, ...(origin !== undefined && { origin }) });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode));
    ws.once('error', reject);
  });
}

async function textTurn(ws: WebSocket, callId: string): Promise<string> {
  const replies: string[] = [];
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as { event: string; text?: string };
    if (message.event === 'reply' && message.text) replies.push(message.text);
  });
  ws.send(JSON.stringify({ event: 'start', start: { streamId: 'S1', callId } }));
  ws.send(JSON.stringify({ event: 'text', text: 'hello' }));
  const started = Date.now();
  while (replies.length === 0) {
    if (Date.now() - started > 5_000) throw new Error('no reply');
    await new Promise((r) => setTimeout(r, 10));
  }
  return replies[0]!;
}

describe('dev phone access: this machine only by default', () => {
  it('answers a loopback client under a loopback Host; refuses the public (tunnel) Host and a LAN Host, page and call alike', async () => {
    const { url } = await serve();
    expect(handle!.devPhoneAccess).toBe('loopback');
    const port = new URL(url).port;
    expect((await send('GET', '/phone', { host: `127.0.0.1:${port}` })).status).toBe(200);
    expect((await send('GET', '/phone', { host: `localhost:${port}` })).status).toBe(200);
    // A tunnel (ngrok, cloudflared) runs on this machine: its requests come from loopback, under the public Host.
    const tunnel = new URL(PUBLIC).host;
    const fromTunnel = await send('GET', '/phone', { host: tunnel });
    expect(fromTunnel.status).toBe(403);
    expect(fromTunnel.body).toContain('PATTER_DEVPHONE_SECRET');
    expect((await send('POST', '/devphone/call', { host: tunnel, origin: PUBLIC })).status).toBe(403);
    expect((await send('POST', '/devphone/call', { host: tunnel })).status).toBe(403);
    expect((await send('GET', '/devphone/app.js', { host: tunnel })).status).toBe(403);
    // The demo binds 0.0.0.0: a LAN address as Host got a token before.
    expect((await send('POST', '/devphone/call', { host: `192.168.1.5:${port}`, origin: `http://192.168.1.5:${port}` })).status).toBe(403);
    expect((await send('GET', '/phone', { host: `192.168.1.5:${port}` })).status).toBe(403);
    // DNS rebinding: a name re-pointed at 127.0.0.1 keeps its own Host.
    expect((await send('POST', '/devphone/call', { host: `evil.example:${port}`, origin: `http://evil.example:${port}` })).status).toBe(403);
    // The carrier's webhooks are not the dev phone's business.
    expect((await send('GET', '/health', { host: tunnel })).status).toBe(200);
    // The startup line says where it answers; refusals are logged.
    expect(logs).toContainEqual(
      expect.objectContaining({ msg: 'dev phone ready on this machine only (set PATTER_DEVPHONE_SECRET to open it to other devices)', url: `${url}/phone` }),
    );
    expect(logs.filter((line) => line.level === 'warn' && String(line.msg).startsWith('dev phone')).length).toBe(7);
  });

  it('refuses a client whose socket address is not this machine, even under a loopback Host', async () => {
    // Only 127.0.0.1 counts as this machine here, so a client bound to 127.0.0.2 plays another device.
    const { url } = await serve({ isLocalAddress: (address) => address === '127.0.0.1' || address === '::ffff:127.0.0.1' });
    const host = `127.0.0.1:${new URL(url).port}`;
    expect((await send('GET', '/phone', { host }, '', '127.0.0.1')).status).toBe(200);
    expect((await send('GET', '/phone', { host }, '', '127.0.0.2')).status).toBe(403);
    expect((await send('POST', '/devphone/call', { host, origin: url }, '', '127.0.0.2')).status).toBe(403);
  });

  it('starts a call only for a same-origin page: Origin required and naming the Host', async () => {
    const { url } = await serve();
    const host = new URL(url).host;
    expect((await send('POST', '/devphone/call', { host })).status).toBe(403);
    expect((await send('POST', '/devphone/call', { host, origin: 'https://evil.example' })).status).toBe(403);
    expect((await send('POST', '/devphone/call', { host, origin: 'null' })).status).toBe(403);
    expect((await send('POST', '/devphone/call', { host, origin: `http://localhost:${new URL(url).port}` })).status).toBe(403);
    const ok = await send('POST', '/devphone/call', { host, origin: url });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ mode: 'text', streamPath: expect.stringMatching(/^\/devphone\/stream\//) });
  });

  it('opens the media stream only with a token, from this machine, same-origin', async () => {
    const { url } = await serve();
    const host = new URL(url).host;
    expect(await openStream(`/devphone/stream/${'a'.repeat(32)}/forged`, {}, url)).toBe(401);
    expect(await openStream(`/devphone/stream/${'a'.repeat(32)}`, {}, url)).toBe(401);
    const token = async () => JSON.parse((await send('POST', '/devphone/call', { host, origin: url })).body) as { streamPath: string; callId: string };
    expect(await openStream((await token()).streamPath, { host: `192.168.1.5:${new URL(url).port}` })).toBe(403);
    expect(await openStream((await token()).streamPath, {}, 'https://evil.example')).toBe(403);
    const { streamPath, callId } = await token();
    const ws = await openStream(streamPath, {}, url);
    expect(ws).toBeInstanceOf(WebSocket);
    expect(await textTurn(ws as WebSocket, callId)).toBe('You said hello.');
    (ws as WebSocket).close();
  });
});

describe('dev phone access: other devices with the secret', () => {
  // Every client is another device here: only the secret lets it in.
  const remote = { isLocalAddress: () => false };

  it('shows another device the login form; the right secret sets a same-site HttpOnly cookie that opens page, call and stream', async () => {
    await serve({ secret: SECRET, ...remote });
    expect(handle!.devPhoneAccess).toBe('secret');
    const host = new URL(PUBLIC).host;
    const login = await send('GET', '/phone', { host });
    expect(login.status).toBe(401);
    expect(login.body).toContain('<form method="post" action="/devphone/login">');
    expect((await send('POST', '/devphone/call', { host, origin: PUBLIC })).status).toBe(403);

    const form = { host, origin: PUBLIC, 'content-type': 'application/x-www-form-urlencoded' };
    const wrong = await send('POST', '/devphone/login', form, 'secret=wrong-secret-but-long-enough');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('Wrong secret.');
    expect(login.body).not.toContain('Wrong secret.');
    // Login CSRF / a cross-site form: Origin must name the Host.
    expect((await send('POST', '/devphone/login', { ...form, origin: 'https://evil.example' }, `secret=${encodeURIComponent(SECRET)}`)).status).toBe(403);
    expect((await send('POST', '/devphone/login', { host, 'content-type': form['content-type'] }, `secret=${encodeURIComponent(SECRET)}`)).status).toBe(403);
    const ok = await send('POST', '/devphone/login', form, `secret=${encodeURIComponent(SECRET)}`);
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/phone');
    const setCookie = String(ok.headers['set-cookie']);
    expect(setCookie).toMatch(/^patter_devphone=[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    expect(setCookie).not.toContain(SECRET);
    const cookie = setCookie.split(';')[0]!;

    expect((await send('GET', '/phone', { host, cookie })).body).toContain('<script type="module" src="/devphone/app.js">');
    expect((await send('GET', '/phone', { host, cookie: 'patter_devphone=forged' })).status).toBe(401);
    // Still same-origin only: the cookie does not let another site start calls.
    expect((await send('POST', '/devphone/call', { host, cookie })).status).toBe(403);
    const call = await send('POST', '/devphone/call', { host, cookie, origin: PUBLIC });
    expect(call.status).toBe(200);
    const { streamPath, callId } = JSON.parse(call.body) as { streamPath: string; callId: string };
    expect(await openStream(streamPath, { host })).toBe(403);
    const ws = await openStream(streamPath, { host, cookie }, PUBLIC);
    expect(ws).toBeInstanceOf(WebSocket);
    expect(await textTurn(ws as WebSocket, callId)).toBe('You said hello.');
    (ws as WebSocket).close();
    expect(logs).toContainEqual(
      expect.objectContaining({
        msg: 'dev phone ready on this machine, and on other devices after logging in with the dev phone secret',
        remoteUrl: `${PUBLIC}/phone`,
      }),
    );
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'dev phone login refused: wrong secret' }));
    expect(JSON.stringify(logs)).not.toContain(SECRET);
    expect(JSON.stringify(logs)).not.toContain(cookie.split('=')[1]);
  });

  it('takes the secret in a header (scripts), and from PATTER_DEVPHONE_SECRET', async () => {
    process.env.PATTER_DEVPHONE_SECRET = SECRET;
    await serve(remote);
    const host = new URL(PUBLIC).host;
    expect((await send('POST', '/devphone/call', { host, origin: PUBLIC, 'x-patter-devphone-secret': 'nope' })).status).toBe(403);
    expect((await send('POST', '/devphone/call', { host, origin: PUBLIC, 'x-patter-devphone-secret': SECRET })).status).toBe(200);
  });

  it('has no login without a secret, and refuses a short secret naming the option', async () => {
    await serve(remote);
    expect((await send('POST', '/devphone/login', { host: new URL(PUBLIC).host, origin: PUBLIC }, `secret=${SECRET}`)).status).toBe(404);
    await handle!.close({ timeoutMs: 0 });
    handle = undefined;
    await expect(serve({ secret: 'short' })).rejects.toMatchObject({ option: 'devPhone.secret' });
    process.env.PATTER_DEVPHONE_SECRET = 'short';
    await expect(serve()).rejects.toMatchObject({ option: 'PATTER_DEVPHONE_SECRET' });
  });
});

describe('dev phone access: guessing the secret', () => {
  it('refuses a client for the rest of the minute after 10 wrong secrets (login form or header), even with the right one', async () => {
    await serve({ secret: SECRET, isLocalAddress: () => false });
    const host = new URL(PUBLIC).host;
    const form = { host, origin: PUBLIC, 'content-type': 'application/x-www-form-urlencoded' };
    for (let i = 0; i < 5; i++) expect((await send('POST', '/devphone/login', form, `secret=guess-number-${i}-xxxxxxxx`)).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await send('POST', '/devphone/call', { host, origin: PUBLIC, 'x-patter-devphone-secret': `guess-${i}` })).status).toBe(403);
    const blocked = await send('POST', '/devphone/login', form, `secret=${encodeURIComponent(SECRET)}`);
    expect(blocked.status).toBe(429);
    expect(blocked.headers['set-cookie']).toBeUndefined();
    expect((await send('POST', '/devphone/call', { host, origin: PUBLIC, 'x-patter-devphone-secret': SECRET })).status).toBe(403);
    // Another device is not affected.
    expect((await send('POST', '/devphone/login', form, `secret=${encodeURIComponent(SECRET)}`, '127.0.0.2')).status).toBe(303);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'dev phone login refused: too many wrong secrets' }));
  });
});
