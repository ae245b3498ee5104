import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ConfigError, silentLogger, type AgentOptions } from '@patter/core';
import { createAgent, Patter } from '@patter/server';
import { CallStore, openCallStore, type SqlClient } from '@patter/store';
import { FakeTwilioApi } from '@patter/testing';
import { Twilio } from '@patter/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { PatterMcp } from './patter-mcp.js';
import type { McpCampaignOptions, McpPhone } from './patter-mcp-options.js';
import { scriptedLlm, scriptedStt, scriptedTts } from './test-support/scripted-providers.js';

// start_campaign hands the contact list to phone.campaign(): with a stand-in phone (what the tool
// sends, how errors come back), and, where @patter/server has campaigns, with the real fleet.

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
});

/** A store never read here (the tools under test do not touch it). */
const unusedStore = new CallStore({ kind: 'pglite' } as unknown as SqlClient);

async function connect(mcp: PatterMcp): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await mcp.createServer().connect(serverSide);
  const client = new Client({ name: 'campaign-test', version: '1.0.0' });
  await client.connect(clientSide);
  closers.push(async () => {
    await client.close();
    await mcp.close();
  });
  return client;
}

function stubPhone(campaign?: (options: McpCampaignOptions) => Promise<{ campaignId: string }>): McpPhone {
  return {
    call: async () => ({ callId: 'CA-stub', callRef: 'ref' }),
    agent: (options: AgentOptions) => createAgent(options),
    ...(campaign !== undefined && { campaign }),
  };
}

const text = (result: Awaited<ReturnType<Client['callTool']>>) => (result.content as { text: string }[])[0]!.text;

describe('start_campaign', () => {
  it('passes the contacts, agent and options to phone.campaign() and returns the campaign id', async () => {
    const asked: McpCampaignOptions[] = [];
    const phone = stubPhone(async (options) => {
      asked.push(options);
      return { campaignId: 'cmp_42' };
    });
    const client = await connect(new PatterMcp({ phone, store: unusedStore, logger: silentLogger }));
    const result = await client.callTool({
      name: 'start_campaign',
      arguments: {
        name: 'reminders',
        agent: 'reminder',
        contacts: [{ to: '+14155550001', variables: { name: 'Ada' } }, { to: '+14155550002', timeZone: 'Europe/Rome' }],
        maxAttempts: 2,
        startAt: '2030-01-02T09:00:00Z',
      },
    });
    expect(result.isError).toBeFalsy();
    expect(JSON.parse(text(result))).toEqual({ campaignId: 'cmp_42', contacts: 2 });
    expect(asked).toEqual([
      {
        name: 'reminders',
        agent: 'reminder',
        contacts: [{ to: '+14155550001', variables: { name: 'Ada' } }, { to: '+14155550002', timeZone: 'Europe/Rome' }],
        concurrency: 1,
        retry: { maxAttempts: 2 },
        startAt: Date.parse('2030-01-02T09:00:00Z'),
      },
    ]);
  });

  it("phone.campaign()'s ConfigError comes back as a tool error naming the option; a phone without campaigns has no such tool", async () => {
    const phone = stubPhone(async () => {
      throw new ConfigError('contacts[0].to', 'expected an E.164 number like +15550001234');
    });
    const client = await connect(new PatterMcp({ phone, store: unusedStore, logger: silentLogger }));
    const result = await client.callTool({ name: 'start_campaign', arguments: { contacts: [{ to: '555' }] } });
    expect(result).toMatchObject({ isError: true });
    expect(text(result)).toBe('contacts[0].to: expected an E.164 number like +15550001234');
    // The schema refuses an empty list before phone.campaign() is asked.
    const empty = await client.callTool({ name: 'start_campaign', arguments: { contacts: [] } });
    expect(empty.isError).toBe(true);

    const without = await connect(new PatterMcp({ phone: stubPhone(), store: unusedStore, logger: silentLogger }));
    expect((await without.listTools()).tools.map((tool) => tool.name).sort()).toEqual(['get_call', 'list_calls', 'make_call']);
  });

  it('with the real fleet: the campaign dials the contact through the carrier, with the named agent', { timeout: 90_000 }, async () => {
    const ACCOUNT_SID = 'AC' + '3c'.repeat(16);
    const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, 'campaign-mcp-token').start();
    closers.push(() => api.close());
    const store = await openCallStore({ memory: true, logger: silentLogger });
    closers.push(() => store.close());
    const phone = new Patter({ carrier: new Twilio({ accountSid: ACCOUNT_SID, authToken: 'campaign-mcp-token', baseUrl: api.url }), phoneNumber: '+14155550100', logger: silentLogger });
    const agent = phone.agent({ stt: scriptedStt(), llm: scriptedLlm(), tts: scriptedTts(), systemPrompt: 'You are Acme.' });
    const reminder = phone.agent({ stt: scriptedStt(), llm: scriptedLlm(), tts: scriptedTts(), name: 'reminder', firstMessage: 'Hi {name}.' });
    const handle = await phone.serve({
      agent,
      store,
      port: 0,
      host: '127.0.0.1',
      devPhone: false,
      dashboard: false,
      shutdownSignals: false,
      fleet: { tickMs: 200, agents: { reminder } },
    });
    closers.push(() => handle.close({ timeoutMs: 0 }));
    const client = await connect(new PatterMcp({ phone, store, agent, agents: { reminder }, logger: silentLogger }));
    const unknown = await client.callTool({ name: 'start_campaign', arguments: { agent: 'sales', contacts: [{ to: '+14155550007' }] } });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toMatch(/sales/);
    const result = await client.callTool({ name: 'start_campaign', arguments: { agent: 'reminder', contacts: [{ to: '+14155550007', variables: { name: 'Ada' } }] } });
    expect(result.isError, text(result)).toBeFalsy();
    expect(JSON.parse(text(result)).campaignId).toEqual(expect.any(String));
    const created = await api.calls.next(60_000);
    expect([created.form.get('To'), created.form.get('From')]).toEqual(['+14155550007', '+14155550100']);
  });
});
