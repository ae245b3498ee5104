import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ConfigError, silentLogger, type AgentOptions } from '@patter/core';
import { createAgent } from '@patter/server';
import { CallStore, type SqlClient } from '@patter/store';
import { afterEach, describe, expect, it } from 'vitest';
import { PatterMcp } from './patter-mcp.js';
import type { McpPhone } from './patter-mcp-options.js';

// PatterMcp's own contract: options checked at construction, and a store given as a promise
// (what patter-mcp does while the server starts): clients are answered at once, tools wait.

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
});

const phone: McpPhone = {
  call: async () => ({ callId: 'CA-stub', callRef: 'ref' }),
  agent: (options: AgentOptions) => createAgent(options),
};

function storeReading(lookups: string[]): CallStore {
  const store = new CallStore({ kind: 'pglite' } as unknown as SqlClient);
  store.getCall = async (callId: string) => {
    lookups.push(callId);
    return undefined;
  };
  return store;
}

async function connect(mcp: PatterMcp): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await mcp.createServer().connect(serverSide);
  const client = new Client({ name: 'patter-mcp-test', version: '1.0.0' });
  await client.connect(clientSide);
  closers.push(async () => {
    await client.close();
    await mcp.close();
  });
  return client;
}

describe('PatterMcp', () => {
  it('checks its options, naming the bad one', () => {
    expect(() => new PatterMcp({ phone: {} as McpPhone, store: storeReading([]) })).toThrow(expect.objectContaining({ name: 'ConfigError', option: 'phone' }));
    expect(() => new PatterMcp({ phone, store: {} as CallStore })).toThrow(expect.objectContaining({ name: 'ConfigError', option: 'store' }));
    expect(() => new PatterMcp({ phone, store: storeReading([]), maxWaitMs: 0 })).toThrow(expect.objectContaining({ option: 'maxWaitMs' }));
    expect(() => new PatterMcp({ phone, store: storeReading([]), agents: { sales: null as unknown as AgentOptions } })).toThrow(
      expect.objectContaining({ option: 'agents.sales' }),
    );
  });

  it('with a store still opening, the client is answered at once and the tools wait for it', async () => {
    let resolve!: (store: CallStore) => void;
    const opening = new Promise<CallStore>((r) => (resolve = r));
    const client = await connect(new PatterMcp({ phone, store: opening, logger: silentLogger }));
    expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(['get_call', 'list_calls', 'make_call']);
    const lookups: string[] = [];
    let answered = false;
    const reading = client.callTool({ name: 'get_call', arguments: { callId: 'CA-1' } }).then((result) => ((answered = true), result));
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    resolve(storeReading(lookups));
    expect(await reading).toMatchObject({ isError: true, content: [{ text: 'no call with id CA-1' }] });
    expect(lookups).toEqual(['CA-1']);
  });

  it('a store that fails to open fails each tool call with its error', async () => {
    const client = await connect(new PatterMcp({ phone, store: Promise.reject(new ConfigError('url', 'expected a postgres:// URL')), logger: silentLogger }));
    for (const name of ['get_call', 'make_call'] as const) {
      const result = await client.callTool({ name, arguments: name === 'get_call' ? { callId: 'CA-1' } : { to: '+14155550123' } });
      expect(result).toMatchObject({ isError: true, content: [{ text: 'url: expected a postgres:// URL' }] });
    }
  });

  it('make_call with a prompt needs a served agent whose model follows it; the call it places runs that prompt', async () => {
    const asked: Parameters<McpPhone['call']>[0][] = [];
    const placing: McpPhone = { ...phone, call: async (options) => (asked.push(options), { callId: 'CA-p', callRef: 'ref' }) };
    const llm = { key: 'llm', model: 'm', chat: () => ({}) as never };
    const tts = { key: 'tts', outputFormats: [], synthesize: () => ({}) as never };
    const stt = { key: 'stt', inputFormats: [], stream: () => ({}) as never };
    const error = async (agent: AgentOptions | undefined) => {
      const client = await connect(new PatterMcp({ phone: placing, store: storeReading([]), logger: silentLogger, ...(agent && { agent }) }));
      const result = await client.callTool({ name: 'make_call', arguments: { to: '+14155550123', prompt: 'Sell.' } });
      return result.isError ? (result.content as { text: string }[])[0]!.text : undefined;
    };
    expect(await error(undefined)).toMatch(/^prompt: a call with a prompt needs the served agent/);
    expect(await error({ stt, tts, onMessage: () => 'ok' })).toBe('prompt: the served agent has no llm or engine to follow a prompt');
    expect(await error({ stt, tts, llm, onMessage: () => 'ok' })).toBe('prompt: the served agent answers with onMessage, which would ignore a prompt');
    expect(asked).toEqual([]);
    expect(await error({ stt, tts, llm, systemPrompt: 'Front desk.', name: 'desk' })).toBeUndefined();
    expect(asked[0]?.agent).toMatchObject({ name: 'mcp-prompt', systemPrompt: 'Sell.', llm, tts, stt });
  });
});
