import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { FakeTwilioApi, TwilioSimulator, until, type TwilioSimulatedCall } from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallListRow, CallView } from './call-view.js';
import { CALLER_TEXT, VOICE_BYTE } from './test-support/scripted-providers.js';

// A real MCP client spawns `patter-mcp` (src/cli.ts, from source) over stdio with an agent module
// whose Twilio carrier points at the REST simulator; the test plays the callee: it answers each
// dialed call by opening the media stream the TwiML asks for, speaks, hears the agent, hangs up.

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const ACCOUNT_SID = 'AC' + '5e'.repeat(16);
const AUTH_TOKEN = 'mcp-stdio-auth-token';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
});

/** Bytes of the agent's voice the callee received (the scripted TTS speaks 10 bytes per character). */
const voiced = (call: TwilioSimulatedCall) => call.receivedAudio().filter((byte) => byte === VOICE_BYTE).length;
/**
 * Turns the agent finished: the session asks the carrier to confirm play-out with a drain mark
 * (`patter-drain-N`) and commits the reply to the transcript once it is echoed.
 */
const drained = (call: TwilioSimulatedCall) => call.marks.items.filter((mark) => mark.name.includes('drain') && mark.echoedAt !== undefined).length;

async function start(env: Record<string, string> = {}) {
  const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
  closers.push(() => api.close());
  let stderr = '';
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--conditions=@patter/source', '--import', 'tsx', '--', 'src/cli.ts', 'src/test-support/fixtures/sim-agent.ts'],
    cwd: packageDir,
    env: {
      ...(process.env as Record<string, string>),
      PATTER_LOG_LEVEL: 'info',
      NODE_ENV: 'development',
      PORT: '',
      DATABASE_URL: '',
      FIXTURE_TWILIO_URL: api.url,
      FIXTURE_ACCOUNT_SID: ACCOUNT_SID,
      FIXTURE_AUTH_TOKEN: AUTH_TOKEN,
      ...env,
    },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'stdio-test', version: '1.0.0' });
  closers.push(() => client.close());
  await client.connect(transport, { timeout: 60_000 });
  // The child answers `initialize` at once; its tools wait for the server and the embedded store
  // (seconds of CPU to start; more on a loaded machine): the first call may take that long.
  await client.callTool({ name: 'list_calls', arguments: {} }, undefined, { timeout: 150_000 });
  return { api, client, stderr: () => stderr };
}

/**
 * The callee: answers the next call the REST simulator got, hears the whole `greeting`, says its
 * line, hears the whole `reply`, hangs up.
 */
async function answerNextCall(api: FakeTwilioApi, greeting: string, reply: string): Promise<{ callSid: string; call: TwilioSimulatedCall }> {
  const created = await api.calls.next(30_000);
  const serverUrl = new URL(created.form.get('StatusCallback')!).origin;
  const simulator = new TwilioSimulator({ serverUrl, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
  const call = await simulator.connect(created.form.get('Twiml')!, created.sid);
  closers.push(async () => call.drop());
  // Generous waits: the child (tsx, the embedded store, the fleet's queue) is slow on a loaded machine.
  await until(() => voiced(call) >= greeting.length * 10 && drained(call) >= 1, 60_000);
  await call.sendAudio(new Uint8Array(160 * 12).fill(0x7f), { realtime: false });
  await until(() => voiced(call) >= (greeting.length + reply.length) * 10 && drained(call) >= 2, 60_000);
  // A callee hangs up a moment after the answer: the last echo reaches the server before the stop.
  await new Promise((resolve) => setTimeout(resolve, 500));
  await call.stop();
  return { callSid: created.sid, call };
}

const json = <T>(result: Awaited<ReturnType<Client['callTool']>>): T => {
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return JSON.parse((result.content as { type: string; text: string }[])[0]!.text) as T;
};

describe('patter-mcp over stdio', { timeout: 240_000 }, () => {
  it('a client places a simulated call with make_call (wait), reads its transcript with get_call, and list_calls shows it', async () => {
    const { api, client, stderr } = await start();
    const tools = (await client.listTools()).tools.map((tool) => tool.name).sort();
    expect(tools).toEqual(['get_call', 'list_calls', 'make_call', 'start_campaign']);

    const reply = `Noted for Ada that you want ${CALLER_TEXT.toLowerCase()}.`;
    const [result, answered] = await Promise.all([
      client.callTool(
        { name: 'make_call', arguments: { to: '+14155550123', prompt: 'You are calling {name} to confirm a booking.', variables: { name: 'Ada' }, wait: true } },
        undefined,
        { timeout: 90_000 },
      ),
      answerNextCall(api, 'Hello this is Acme.', reply),
    ]);
    const made = json<CallView>(result);
    expect(made).toMatchObject({ callId: answered.callSid, status: 'ended', direction: 'outbound', to: '+14155550123', agent: 'mcp-prompt' });
    expect(made.transcript.map(({ role, text }) => ({ role, text }))).toEqual([
      { role: 'agent', text: 'Hello this is Acme.' },
      { role: 'caller', text: CALLER_TEXT },
      { role: 'agent', text: reply },
    ]);
    expect(made.durationSeconds).toBeGreaterThan(0);
    // The REST call Twilio got: the number asked for, from the server's number.
    const created = api.calls.items[0]!;
    expect(created.form.get('To')).toBe('+14155550123');
    expect(created.form.get('From')).toBe('+14155550199');

    const got = json<CallView>(await client.callTool({ name: 'get_call', arguments: { callId: answered.callSid } }));
    expect(got).toEqual(made);

    const listed = json<{ calls: CallListRow[]; inProgress: CallListRow[] }>(await client.callTool({ name: 'list_calls', arguments: {} }));
    expect(listed.inProgress).toEqual([]);
    expect(listed.calls).toEqual([expect.objectContaining({ callId: answered.callSid, status: 'ended', agent: 'mcp-prompt', turns: 1 })]);
    const byAgent = json<{ calls: CallListRow[] }>(await client.callTool({ name: 'list_calls', arguments: { agent: 'front-desk' } }));
    expect(byAgent.calls).toEqual([]);

    // stdout carried the protocol only: the server's log lines and the module's console.log went to stderr.
    expect(stderr()).toContain('patter server listening');
    expect(stderr()).toContain('sim-agent module loaded');
  });

  it('make_call without wait returns the call id at once; a named agent runs it with its variables; get_call reads it once ended', async () => {
    const { api, client } = await start();
    const result = await client.callTool({ name: 'make_call', arguments: { to: '+14155550124', agent: 'reminder', variables: { name: 'Bo' } } });
    const placed = json<CallView>(result);
    expect(placed).toMatchObject({ status: 'in-progress', to: '+14155550124', transcript: [] });
    expect(json<CallView>(await client.callTool({ name: 'get_call', arguments: { callId: placed.callId } })).status).toBe('in-progress');
    const listed = json<{ inProgress: CallListRow[] }>(await client.callTool({ name: 'list_calls', arguments: {} }));
    expect(listed.inProgress.map((call) => call.callId)).toEqual([placed.callId]);

    const reply = `Noted for Bo that you want ${CALLER_TEXT.toLowerCase()}.`;
    const { callSid } = await answerNextCall(api, 'Hi Bo.', reply);
    expect(callSid).toBe(placed.callId);
    let view: CallView | undefined;
    // The record is written after the call ends (off the call's path): read until it is there.
    for (let i = 0; i < 60 && view?.status !== 'ended'; i++) {
      if (view !== undefined) await new Promise((resolve) => setTimeout(resolve, 500));
      view = json<CallView>(await client.callTool({ name: 'get_call', arguments: { callId: placed.callId } }));
    }
    expect(view).toMatchObject({ status: 'ended', agent: 'reminder' });
    expect(view!.transcript.map((line) => line.text)).toEqual(['Hi Bo.', CALLER_TEXT, reply]);
  });

  it('tool errors name what is wrong: an unknown agent, agent and prompt together, a bad number', async () => {
    const { api, client } = await start();
    const error = async (args: Record<string, unknown>) => {
      const result = await client.callTool({ name: 'make_call', arguments: args });
      expect(result.isError).toBe(true);
      return (result.content as { text: string }[])[0]!.text;
    };
    expect(await error({ to: '+14155550123', agent: 'sales' })).toBe('agent: no agent named "sales" (served: reminder)');
    expect(await error({ to: '+14155550123', agent: 'reminder', prompt: 'x' })).toBe('prompt: give either agent or prompt, not both');
    expect(await error({ to: '555' })).toMatch(/^to: expected an E\.164 number/);
    expect(api.calls.items).toHaveLength(0);
    const missing = await client.callTool({ name: 'get_call', arguments: { callId: 'CA-nope' } });
    expect(missing).toMatchObject({ isError: true, content: [{ type: 'text', text: 'no call with id CA-nope' }] });
  });

  it('start_campaign over stdio: the fleet dials the contact with the named agent and its variables; get_call reads the call', async () => {
    const { api, client } = await start({ FIXTURE_FLEET: '1' });
    const reply = `Noted for Cy that you want ${CALLER_TEXT.toLowerCase()}.`;
    const [result, answered] = await Promise.all([
      client.callTool({ name: 'start_campaign', arguments: { name: 'recall', agent: 'reminder', contacts: [{ to: '+14155550131', variables: { name: 'Cy' } }] } }),
      answerNextCall(api, 'Hi Cy.', reply),
    ]);
    expect(JSON.parse((result.content as { text: string }[])[0]!.text)).toEqual({ campaignId: expect.any(String), contacts: 1 });
    let view: CallView | undefined;
    for (let i = 0; i < 60 && view?.status !== 'ended'; i++) {
      if (view !== undefined) await new Promise((resolve) => setTimeout(resolve, 500));
      const read = await client.callTool({ name: 'get_call', arguments: { callId: answered.callSid } });
      view = read.isError ? { callId: answered.callSid, status: 'in-progress', transcript: [] } : json<CallView>(read);
    }
    expect(view).toMatchObject({ status: 'ended', agent: 'reminder', to: '+14155550131' });
    expect(view!.transcript.map((line) => line.text)).toEqual(['Hi Cy.', CALLER_TEXT, reply]);
  });
});
