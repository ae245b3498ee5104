import { generateKeyPairSync } from 'node:crypto';
import { request } from 'node:http';
import type { Carrier, Logger } from '@patter/core';
import { FakeTelnyxApi, FakeTwilioApi, rawPublicKeyBase64, TelnyxSimulator, TwilioSimulator } from '@patter/testing';
import { Telnyx } from '@patter/telnyx';
import { Twilio } from '@patter/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { Patter } from './patter.js';
import type { ServerHandle } from './serve.js';
import { inboundStreamUrl, inertAgentOptions, openStream, post, startTestServer } from './test-support/test-server.js';

// A flood of refused requests is a handful of log lines (the first one, then one summary per
// interval with the count), and the aggregation ends with the server (unit-tested timer handling:
// packages/core/src/log/rate-limited-log.test.ts).

const ACCOUNT_SID = 'AC' + 'd4'.repeat(16);
const AUTH_TOKEN = 'refusal-logs-auth-token';
const FLOOD = 500;

interface Line {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function capture(lines: Line[]): Logger {
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (fields, message) => void lines.push({ level: 'warn', message, fields }),
    error: (fields, message) => void lines.push({ level: 'error', message, fields }),
    child: () => logger,
  };
  return logger;
}

async function serve(carrier: Carrier, webhookUrl?: string): Promise<{ handle: ServerHandle; lines: Line[] }> {
  const lines: Line[] = [];
  const logger = capture(lines);
  const phone = new Patter({ carrier, phoneNumber: '+14155550199', logger, ...(webhookUrl === undefined ? {} : { webhookUrl }) });
  const handle = await phone.serve({ agent: phone.agent(inertAgentOptions), port: 0, host: '127.0.0.1', shutdownSignals: false });
  closers.push(() => handle.close({ timeoutMs: 0 }));
  return { handle, lines };
}

/** The HTTP status a WebSocket upgrade is answered with (its own connection, closed after). */
function upgradeStatus(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request(url, {
      agent: false,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.once('response', (response) => {
      response.resume();
      resolve(String(response.statusCode));
    });
    req.once('upgrade', (_response, socket) => {
      socket.destroy();
      resolve('101');
    });
    req.once('error', () => resolve('error'));
    req.end();
  });
}

/** Runs `count` requests, at most 25 at a time. */
async function flood(count: number, request: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < count; i += 25) await Promise.all(Array.from({ length: Math.min(25, count - i) }, (_, j) => request(i + j)));
}

describe('refused requests are logged without flooding the log', () => {
  it('Twilio: 500 badly signed webhooks → one warning naming the URL validated (never the signature), the summary written on close', async () => {
    const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
    closers.push(() => api.close());
    // Twilio was configured with a tunnel URL, but the server was given a different webhookUrl.
    const { handle, lines } = await serve(new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }), 'https://wrong.example.com');
    const simulator = new TwilioSimulator({ serverUrl: handle.url, publicUrl: 'https://abc.ngrok.app', authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
    const statuses = new Set<number>();
    await flood(FLOOD, async (i) => {
      const answer = await simulator.webhook('/twilio/voice', { AccountSid: ACCOUNT_SID, CallSid: `CA${String(i).padStart(32, '0')}` });
      statuses.add(answer.status);
    });
    expect([...statuses]).toEqual([403]);
    const warnings = lines.filter((line) => line.message === 'twilio webhook signature invalid');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.fields).toMatchObject({ path: '/twilio/voice', validatedUrl: 'https://wrong.example.com/twilio/voice' });
    expect(String(warnings[0]!.fields.hint)).toMatch(/webhookUrl/);
    expect(JSON.stringify(lines)).not.toMatch(/x-twilio-signature|signature":/i);
    expect(lines.length).toBeLessThanOrEqual(2);
    await handle.close({ timeoutMs: 0 });
    // Closing the server closed the aggregation (its timer with it): the pending summary was written.
    expect(lines.find((line) => line.message === 'twilio webhook signature invalid' && line.fields.suppressed === FLOOD - 1)).toBeDefined();
  });

  it('Telnyx: 500 badly signed webhooks → one warning', async () => {
    const api = await new FakeTelnyxApi('KEY_flood').start();
    closers.push(() => api.close());
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const { handle, lines } = await serve(
      new Telnyx({ apiKey: 'KEY_flood', publicKey: rawPublicKeyBase64(publicKey), baseUrl: `${api.url}/v2`, connectionId: 'conn-1' }),
    );
    const simulator = new TelnyxSimulator({ serverUrl: handle.url, api, privateKey });
    await flood(FLOOD, () => simulator.webhook('call.initiated', { call_control_id: 'v3:x' }, { signature: 'AAAA' }));
    expect(lines.filter((line) => line.message === 'telnyx webhook signature invalid')).toHaveLength(1);
    expect(lines.length).toBeLessThanOrEqual(2);
  });

  it('500 media-stream upgrades with a bad token → one warning', async () => {
    const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
    closers.push(() => api.close());
    const { handle, lines } = await serve(new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }));
    const refused = new Set<string>();
    await flood(FLOOD, async () => refused.add(await upgradeStatus(`${handle.url}/twilio/stream/${'ab'.repeat(16)}/1.${'x'.repeat(43)}`)));
    expect([...refused]).toEqual(['401']);
    const warnings = lines.filter((line) => line.message === 'media stream refused');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.fields).toMatchObject({ reason: 'token invalid', status: 401 });
    expect(lines.length).toBeLessThanOrEqual(2);
  });

  it('connections over the per-IP cap, and bodies over maxBodyBytes: one warning each for a flood', async () => {
    const lines: Line[] = [];
    const capped = await startTestServer({ maxConnectionsPerIp: 1 }, capture(lines));
    closers.push(() => capped.handle.close({ timeoutMs: 0 }));
    const held = await openStream(await inboundStreamUrl(capped.handle)); // the one connection allowed
    await flood(200, () => post(`${capped.handle.url}/fake/voice`, '').catch(() => undefined));
    held.close();
    expect(lines.filter((line) => line.message === 'connection refused: per-IP limit reached')).toHaveLength(1);

    const small = await startTestServer({ maxBodyBytes: 64 }, capture(lines));
    closers.push(() => small.handle.close({ timeoutMs: 0 }));
    const statuses = new Set<number>();
    await flood(200, async () => statuses.add((await post(`${small.handle.url}/fake/event`, 'x'.repeat(1024))).status));
    expect([...statuses]).toEqual([413]);
    expect(lines.filter((line) => line.message === 'request body too large')).toHaveLength(1);
    expect(lines.length).toBeLessThanOrEqual(2);
  });
});
