import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ConfigError, silentLogger } from '@patter/core';
import { Patter, type ServerHandle } from '@patter/server';
import { openCallStore, type CallStore } from '@patter/store';
import { FakeTwilioApi, TwilioSimulator } from '@patter/testing';
import { Twilio } from '@patter/twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallView } from './call-view.js';
import { checkBearer, listenMcpHttp, type McpHttpHandle } from './listen-mcp-http.js';
import { PatterMcp } from './patter-mcp.js';
import { scriptedLlm, scriptedStt, scriptedTts } from './test-support/scripted-providers.js';

// The streamable HTTP transport on its own port, in-process: a real Patter server on the Twilio
// REST simulator, the SDK's HTTP client with and without the bearer secret.

const ACCOUNT_SID = 'AC' + '7b'.repeat(16);
const AUTH_TOKEN = 'mcp-http-auth-token';
const SECRET = 'mcp-http-secret-0123456789';

let store: CallStore;
beforeAll(async () => {
  store = await openCallStore({ memory: true, logger: silentLogger });
}, 240_000);
afterAll(async () => {
  await store.close();
});
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
});

async function start(): Promise<{ api: FakeTwilioApi; handle: ServerHandle; mcp: PatterMcp; http: McpHttpHandle }> {
  const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
  closers.push(() => api.close());
  const phone = new Patter({ carrier: new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }), phoneNumber: '+14155550199', logger: silentLogger });
  const agent = phone.agent({ stt: scriptedStt(), llm: scriptedLlm(), tts: scriptedTts(), systemPrompt: 'You are Acme.', firstMessage: 'Hello.' });
  const mcp: PatterMcp = new PatterMcp({ phone, store, agent, logger: silentLogger, pollIntervalMs: 50 });
  const handle = await phone.serve({
    agent,
    store,
    port: 0,
    host: '127.0.0.1',
    devPhone: false,
    dashboard: false,
    shutdownSignals: false,
    onCallEnd: (summary) => mcp.onCallEnd(summary),
  });
  closers.push(() => handle.close({ timeoutMs: 0 }));
  const http = await listenMcpHttp(mcp, { port: 0, secret: SECRET });
  closers.push(() => http.close());
  return { api, handle, mcp, http };
}

async function connect(url: string, authorization?: string): Promise<Client> {
  const client = new Client({ name: 'http-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    ...(authorization !== undefined && { requestInit: { headers: { authorization } } }),
  });
  await client.connect(transport);
  closers.push(() => client.close());
  return client;
}

const json = <T>(result: Awaited<ReturnType<Client['callTool']>>): T => {
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return JSON.parse((result.content as { text: string }[])[0]!.text) as T;
};

describe('MCP over streamable HTTP', { timeout: 60_000 }, () => {
  it('refuses to start without a secret (ConfigError naming it and PATTER_MCP_SECRET), or with a short one', async () => {
    const saved = process.env.PATTER_MCP_SECRET;
    delete process.env.PATTER_MCP_SECRET;
    try {
      const phone = new Patter({ logger: silentLogger });
      const mcp = new PatterMcp({ phone, store, logger: silentLogger });
      const missing = await listenMcpHttp(mcp, { port: 0 }).catch((err: unknown) => err);
      expect(missing).toBeInstanceOf(ConfigError);
      expect(missing).toMatchObject({ option: 'secret', envVar: 'PATTER_MCP_SECRET' });
      await expect(listenMcpHttp(mcp, { port: 0, secret: 'short' })).rejects.toMatchObject({ name: 'ConfigError', option: 'secret' });
      process.env.PATTER_MCP_SECRET = SECRET;
      const fromEnv = await listenMcpHttp(mcp, { port: 0 });
      await fromEnv.close();
    } finally {
      if (saved === undefined) delete process.env.PATTER_MCP_SECRET;
      else process.env.PATTER_MCP_SECRET = saved;
    }
  });

  it('answers 401 without the bearer secret or with a wrong one; the SDK client gets in only with the right one', async () => {
    const { http } = await start();
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
    const post = (headers: Record<string, string>) =>
      fetch(http.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(initialize) });
    for (const headers of [{}, { authorization: `Bearer ${SECRET}x` }, { authorization: `Basic ${SECRET}` }, { authorization: `Bearer ${SECRET.slice(0, -1)}` }]) {
      const response = await post(headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(await response.text()).not.toContain(SECRET);
    }
    await expect(connect(http.url)).rejects.toMatchObject({ code: 401, message: expect.stringContaining('unauthorized') });
    await expect(connect(http.url, 'Bearer wrong-secret-wrong-secret')).rejects.toMatchObject({ code: 401 });

    const client = await connect(http.url, `Bearer ${SECRET}`);
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toEqual(expect.arrayContaining(['make_call', 'get_call', 'list_calls']));
    expect(json<{ calls: unknown[] }>(await client.callTool({ name: 'list_calls', arguments: {} })).calls).toBeInstanceOf(Array);
  });

  it('make_call with wait returns at once when the callee is busy (no record: the end comes from onCallEnd)', async () => {
    const { api, http } = await start();
    const client = await connect(http.url, `Bearer ${SECRET}`);
    const busy = (async () => {
      const created = await api.calls.next(20_000);
      const callback = new URL(created.form.get('StatusCallback')!);
      const simulator = new TwilioSimulator({ serverUrl: callback.origin, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
      await simulator.statusCallback(created.sid, 'busy', callback.search);
      return created.sid;
    })();
    const result = await client.callTool({ name: 'make_call', arguments: { to: '+14155550123', wait: true } }, undefined, { timeout: 30_000 });
    const view = json<CallView>(result);
    expect(view).toMatchObject({ callId: await busy, status: 'ended', endReason: 'busy', to: '+14155550123', transcript: [] });
    expect(json<CallView>(await client.callTool({ name: 'get_call', arguments: { callId: view.callId } }))).toMatchObject({ status: 'ended', endReason: 'busy' });
  });

  it('make_call with wait gives up after timeoutSeconds while nobody answers: in progress, timedOut', async () => {
    const { api, http } = await start();
    const client = await connect(http.url, `Bearer ${SECRET}`);
    const view = json<CallView>(await client.callTool({ name: 'make_call', arguments: { to: '+14155550125', wait: true, timeoutSeconds: 1 } }));
    expect(view).toMatchObject({ status: 'in-progress', timedOut: true, callId: api.calls.items[0]!.sid });
  });
});

describe('make_call progress', { timeout: 60_000 }, () => {
  it('while a waited call goes on, progress notifications keep a client with resetTimeoutOnProgress waiting past its request timeout', async () => {
    const { http } = await start();
    const client = await connect(http.url, `Bearer ${SECRET}`);
    const progress: { progress: number; message?: string | undefined }[] = [];
    const result = await client.callTool({ name: 'make_call', arguments: { to: '+14155550126', wait: true, timeoutSeconds: 4 } }, undefined, {
      timeout: 2_000,
      resetTimeoutOnProgress: true,
      onprogress: (p) => void progress.push(p),
    });
    expect(json<CallView>(result)).toMatchObject({ status: 'in-progress', timedOut: true });
    expect(progress.length).toBeGreaterThan(1);
    expect(progress[0]).toMatchObject({ progress: 1, message: expect.stringMatching(/^call in progress \(\d+ s\)$/) });
    expect(progress.every((p, i) => i === 0 || p.progress > progress[i - 1]!.progress)).toBe(true);
    // Without resetTimeoutOnProgress the same wait is cut by the client's timeout.
    await expect(
      client.callTool({ name: 'make_call', arguments: { to: '+14155550127', wait: true, timeoutSeconds: 4 } }, undefined, { timeout: 2_000 }),
    ).rejects.toThrow(/timed out/i);
  });
});

describe('checkBearer', () => {
  it('accepts exactly "Bearer <secret>"', async () => {
    const { createHash } = await import('node:crypto');
    const digest = createHash('sha256').update('s3cret-s3cret-s3cret').digest();
    expect(checkBearer('Bearer s3cret-s3cret-s3cret', digest)).toBe(true);
    expect(checkBearer('bearer s3cret-s3cret-s3cret', digest)).toBe(true);
    expect(checkBearer(undefined, digest)).toBe(false);
    expect(checkBearer('s3cret-s3cret-s3cret', digest)).toBe(false);
    expect(checkBearer('Bearer s3cret-s3cret-s3cre', digest)).toBe(false);
    expect(checkBearer('Bearer  s3cret-s3cret-s3cret', digest)).toBe(false);
  });
});
