import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { FakeHttpServer, FakeTwilioApi, parseStreamTwiml, TwilioSimulator } from '@patter/testing';
import type { PatterHandler, ServerHandle } from '@patter/server';
import { Patter } from '@patter/server';
import { afterEach, describe, expect, it } from 'vitest';
import * as customOnMessage from '../custom-on-message.js';
import * as embed from '../embed-node-http.js';
import * as embedExpress from '../embed-express.js';
import * as engineMode from '../engine-mode.js';
import * as httpTool from '../http-tool.js';
import * as inbound from '../inbound-receptionist.js';
import * as outbound from '../outbound-reminder.js';

// Every example started as written, with fake credentials and base URLs pointing at the loopback
// fakes: the webhook → TwiML step (or the call, or a test-mode conversation) goes through it.
const ACCOUNT_SID = 'AC' + 'c3'.repeat(16);
const AUTH_TOKEN = 'twilio-auth-token-for-examples';
const FROM = '+14155550199';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function twilioEnv(extra: Record<string, string> = {}): Promise<{ env: NodeJS.ProcessEnv; api: FakeTwilioApi }> {
  const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
  cleanups.push(() => api.close());
  const env = {
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_PHONE_NUMBER: FROM,
    TWILIO_BASE_URL: api.url,
    DEEPGRAM_API_KEY: 'dg-test-key',
    OPENAI_API_KEY: 'sk-test-key',
    ELEVENLABS_API_KEY: 'el-test-key',
    PORT: '0',
    HOST: '127.0.0.1',
    ...extra,
  };
  return { env, api };
}

/** The provider keys are read from process.env at construction: set for one test. */
function withEnv(env: NodeJS.ProcessEnv): void {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  cleanups.push(() => {
    for (const key of Object.keys(env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });
}

async function expectStreamTwiml(serverUrl: string): Promise<string> {
  const simulator = new TwilioSimulator({ serverUrl, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
  const answer = await simulator.webhook('/twilio/voice', {
    AccountSid: ACCOUNT_SID,
    CallSid: 'CA' + 'd4'.repeat(16),
    CallStatus: 'ringing',
    Direction: 'inbound',
    From: '+14155550100',
    To: FROM,
  });
  expect(answer.status).toBe(200);
  return parseStreamTwiml(answer.body).url;
}

describe('examples', () => {
  it('inbound-receptionist: serves Twilio and answers the voice webhook with a stream to itself', async () => {
    const { env } = await twilioEnv();
    withEnv(env);
    const handle: ServerHandle = await inbound.start(env);
    cleanups.push(() => handle.close({ timeoutMs: 0 }));
    expect(handle.webhooks).toContain(`POST ${handle.url}/twilio/voice`);
    expect(await expectStreamTwiml(handle.url)).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${handle.port}/twilio/stream/`));
  });

  it('outbound-reminder: places the call through the Twilio REST API with the stream TwiML', async () => {
    const { env, api } = await twilioEnv();
    withEnv(env);
    const { handle, call } = await outbound.start('+14155550123', 'Ada', env);
    cleanups.push(() => handle.close({ timeoutMs: 0 }));
    const created = await api.calls.next();
    expect(created.sid).toBe(call.callId);
    expect(created.form.get('To')).toBe('+14155550123');
    expect(created.form.get('From')).toBe(FROM);
  });

  it('engine-mode: serves the dev phone page without a carrier', async () => {
    withEnv({ OPENAI_API_KEY: 'sk-test-key' });
    const handle = await engineMode.start({ PORT: '0' });
    cleanups.push(() => handle.close({ timeoutMs: 0 }));
    const page = await fetch(handle.devPhoneUrl!);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
  });

  it('custom-on-message: a test-mode conversation answers from the FAQ and hangs up on "bye"', async () => {
    withEnv({ DEEPGRAM_API_KEY: 'dg-test-key', ELEVENLABS_API_KEY: 'el-test-key' });
    const phone = new Patter();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const summary = await phone.test({
      agent: customOnMessage.createAgent(phone),
      input: Readable.from(['what are your hours?\n', 'ok bye\n']),
      output,
    });
    expect(printed).toContain('noon to 11 pm');
    expect(printed).toContain('Goodbye!');
    expect(summary.reason).not.toBe('error');
  });

  it('http-tool: the LLM calls order_status, which GETs the orders API, and speaks the result', async () => {
    const orders = await FakeHttpServer.start({
      'GET /orders/A-123': (_req, res) => res.json(200, { status: 'shipped', eta: 'Friday' }),
    });
    cleanups.push(() => orders.close());
    const chunk = (delta: object, finish: string | null = null) =>
      JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] });
    const replies = [
      [chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'order_status', arguments: '{"orderId":"A-123"}' } }] }), chunk({}, 'tool_calls'), '[DONE]'],
      [chunk({ role: 'assistant', content: 'Your order shipped, arriving Friday.' }), chunk({}, 'stop'), '[DONE]'],
    ];
    const toolResults: string[] = [];
    const llm = await FakeHttpServer.start({
      'POST /v1/chat/completions': (req, res) => {
        const body = req.json() as { messages: { role: string; content: string | null }[] };
        for (const message of body.messages) if (message.role === 'tool') toolResults.push(String(message.content));
        res.sse(replies.shift() ?? ['[DONE]']);
      },
    });
    cleanups.push(() => llm.close());
    withEnv({ OPENAI_API_KEY: 'sk-test-key' });
    const phone = new Patter();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    await phone.test({
      agent: httpTool.createAgent(phone, { OPENAI_BASE_URL: `${llm.url}/v1`, ORDERS_API_URL: orders.url }),
      input: Readable.from(['where is order A-123?\n']),
      output,
    });
    expect(orders.requests.map((request) => request.path)).toEqual(['/orders/A-123']);
    expect(JSON.parse(toolResults[0]!)).toMatchObject({ found: true, status: 'shipped', eta: 'Friday' });
    expect(printed).toContain('Your order shipped, arriving Friday.');
  });

  it('embed-node-http: the app server answers its own route and Twilio\'s webhook on one port', async () => {
    const { env } = await twilioEnv();
    withEnv(env);
    // The public URL is the app's own address: listen first, then build the app with it.
    const probe = embed.createAppServer({ ...env, PATTER_WEBHOOK_URL: 'http://127.0.0.1:1' });
    await probe.patter.close({ timeoutMs: 0 });
    const port = await new Promise<number>((resolve) => {
      const server = probe.server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
    await new Promise((resolve) => probe.server.close(resolve));
    const url = `http://127.0.0.1:${port}`;
    const { server, patter }: { server: import('node:http').Server; patter: PatterHandler } = embed.createAppServer({ ...env, PATTER_WEBHOOK_URL: url });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    cleanups.push(async () => {
      await patter.close({ timeoutMs: 0 });
      await new Promise((resolve) => server.close(resolve));
    });
    expect(await (await fetch(`${url}/`)).text()).toBe('the app');
    expect(await expectStreamTwiml(url)).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${port}/twilio/stream/`));
  });

  it('embed-express: Patter\'s middleware answers Twilio (signature on the raw body), the app keeps its JSON API, one port', async () => {
    const { env } = await twilioEnv();
    withEnv(env);
    const { createServer } = await import('node:http');
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const free = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(free));
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const { app, patter } = embedExpress.createExpressApp({ ...env, PATTER_WEBHOOK_URL: url });
    const server = await embedExpress.listen(app, patter, port, '127.0.0.1');
    cleanups.push(async () => {
      await patter.close({ timeoutMs: 0 });
      await new Promise((resolve) => server.close(resolve));
    });
    const echo = await fetch(`${url}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"hi"}' });
    expect(await echo.json()).toEqual({ echo: 'hi' });
    expect(await expectStreamTwiml(url)).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${port}/twilio/stream/`));
  });
});
