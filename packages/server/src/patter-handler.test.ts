import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type CallEndSummary } from '@patter/core';
import { FakeTwilioApi, parseStreamTwiml, TwilioSimulator } from '@patter/testing';
import { Twilio } from '@patter/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Patter } from './patter.js';
import type { PatterHandler } from './patter-handler.js';
import { RecordingSession } from './test-support/recording-session.js';
import { inertAgentOptions, waitFor } from './test-support/test-server.js';

const ACCOUNT_SID = 'AC' + 'b2'.repeat(16);
const AUTH_TOKEN = 'twilio-auth-token-for-handler-tests';

let app: Server | undefined;
let patter: PatterHandler | undefined;
let api: FakeTwilioApi | undefined;
afterEach(async () => {
  await patter?.close({ timeoutMs: 0 });
  await new Promise((resolve) => (app ? app.close(resolve) : resolve(undefined)));
  app?.closeAllConnections();
  await api?.close();
  app = patter = api = undefined;
});

/** The app's own node:http server with its own routes; Patter mounted on it through phone.handler(). */
async function startApp(ends: CallEndSummary[]) {
  api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
  let handler: PatterHandler | undefined;
  const server = createServer((request, response) => {
    void (async () => {
      if (handler && (await handler.handleRequest(request, response))) return;
      if (request.url === '/app/hello') return void response.writeHead(200, { 'content-type': 'text/plain' }).end('app says hi');
      response.writeHead(404).end('app 404');
    })();
  });
  const appUpgrades: string[] = [];
  server.on('upgrade', (request, socket, head) => {
    if (handler?.handleUpgrade(request, socket, head)) return;
    appUpgrades.push(request.url ?? '');
    socket.end('HTTP/1.1 418 Teapot\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () => socket.destroy());
  });
  app = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sessions: RecordingSession[] = [];
  const phone = new Patter({
    carrier: new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }),
    phoneNumber: '+14155550199',
    webhookUrl: url,
    logger: silentLogger,
    createSession: (options) => {
      const session = new RecordingSession(options);
      sessions.push(session);
      return session;
    },
  });
  handler = phone.handler({ agent: phone.agent(inertAgentOptions), onCallEnd: (summary) => void ends.push(summary) });
  patter = handler;
  const simulator = new TwilioSimulator({ serverUrl: url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
  return { url, phone, handler, simulator, sessions, appUpgrades };
}

describe('phone.handler(): Patter mounted on the app\'s own node:http server', () => {
  it('answers the webhook with TwiML, takes the media stream upgrade on the same port, and leaves other paths to the app', async () => {
    const ends: CallEndSummary[] = [];
    const { url, handler, simulator, sessions, appUpgrades } = await startApp(ends);
    expect(handler.webhooks).toContain(`POST ${url}/twilio/voice`);

    // The app's own routes and 404 are untouched.
    const hello = await fetch(`${url}/app/hello`);
    expect(await hello.text()).toBe('app says hi');
    const missing = await fetch(`${url}/nowhere`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('app 404');
    expect((await fetch(`${url}/health`)).status).toBe(200);

    // Webhook → TwiML pointing at this same port; a bad signature is still refused.
    const answer = await simulator.webhook('/twilio/voice', {
      AccountSid: ACCOUNT_SID,
      CallSid: 'CA' + 'e1'.repeat(16),
      CallStatus: 'ringing',
      Direction: 'inbound',
      From: '+14155550100',
      To: '+14155550199',
    });
    expect(answer.status).toBe(200);
    expect(parseStreamTwiml(answer.body).url.startsWith(`${url.replace('http', 'ws')}/twilio/stream/`)).toBe(true);
    expect((await simulator.webhook('/twilio/voice', { CallSid: 'CAx' }, { signature: 'bad' })).status).toBe(403);

    // A full simulated call over the upgrade on the app's server.
    const call = await simulator.inboundCall({ from: '+14155550100' });
    await waitFor(() => sessions.length === 1 && sessions[0]!.options.transport.info !== undefined);
    expect(handler.activeCalls).toBe(1);
    await call.sendAudio(new Uint8Array(160 * 5).fill(0xff));
    await waitFor(() => sessions[0]!.audio.length === 5);
    await call.stop();
    await waitFor(() => ends.length === 1);
    expect(ends[0]).toMatchObject({ callId: call.callSid, reason: 'caller_hangup' });
    expect(call.violations).toEqual([]);

    // Upgrades on other paths are the app's.
    const other = new WebSocket(`${url.replace('http', 'ws')}/app/socket`);
    const status = await new Promise<number>((resolve) => other.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)).once('error', () => resolve(-1)));
    expect(status).toBe(418);
    expect(appUpgrades).toEqual(['/app/socket']);
  });

  it('needs a carrier and a webhookUrl, and refuses a second handler or serve on the same Patter', async () => {
    const bare = new Patter({ logger: silentLogger });
    expect(() => bare.handler({ agent: bare.agent(inertAgentOptions) })).toThrow(/carrier/);
    const noUrl = new Patter({ carrier: new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }), phoneNumber: '+14155550199', logger: silentLogger });
    expect(() => noUrl.handler({ agent: noUrl.agent(inertAgentOptions) })).toThrow(/webhookUrl/);
    const { phone } = await startApp([]);
    expect(() => phone.handler({ agent: phone.agent(inertAgentOptions) })).toThrow(/already serving/);
    await expect(phone.serve({ agent: phone.agent(inertAgentOptions), port: 0 })).rejects.toThrow(/already serving/);
  });

  it('close() drains: a call running at close is hung up after timeoutMs, and the app server stays up', async () => {
    const ends: CallEndSummary[] = [];
    const { url, handler, simulator, sessions } = await startApp(ends);
    const call = await simulator.inboundCall({ from: '+14155550100' });
    await waitFor(() => sessions.length === 1 && sessions[0]!.options.transport.info !== undefined);
    await handler.close({ timeoutMs: 0 });
    await waitFor(() => ends.length === 1);
    expect(handler.activeCalls).toBe(0);
    expect((await fetch(`${url}/app/hello`)).status).toBe(200);
    await call.stop().catch(() => {});
  });
});
