import { createServer, type AddressInfo } from 'node:net';
import { silentLogger, type CallEndSummary } from '@patter/core';
import { WebSocket } from '@patter/core/plugin';
import { OpenAIRealtime } from '@patter/openai-realtime';
import { afterEach, describe, expect, it } from 'vitest';
import { Patter } from '../patter.js';
import type { ServerHandle } from '../serve.js';

// A voice call whose engine vendor cannot be reached: the dev phone's page is told the call
// failed, which provider, and why (no key), not "agent_hangup".

const KEY = 'sk-devphone-failure-key-0123456789abcdef';

let handle: ServerHandle | undefined;
afterEach(async () => {
  await handle?.close({ timeoutMs: 0 });
  handle = undefined;
});

/** A loopback port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('dev phone: a call that fails', () => {
  it('an unreachable engine: the page gets end { reason: error, error: { provider, message } } and onCallEnd the same', async () => {
    const ends: CallEndSummary[] = [];
    const phone = new Patter({ logger: silentLogger });
    const agent = phone.agent({ engine: new OpenAIRealtime({ apiKey: KEY, baseUrl: `http://127.0.0.1:${await closedPort()}/v1` }) });
    handle = await phone.serve({ agent, port: 0, host: '127.0.0.1', shutdownSignals: false, onCallEnd: (s) => void ends.push(s) });
    const url = handle.url;
    const answer = (await (await fetch(`${url}/devphone/call`, { method: 'POST', headers: { origin: url } })).json()) as { streamPath: string; callId: string; mode: string };
    expect(answer.mode).toBe('voice');
    const ws = new WebSocket(`${url.replace('http', 'ws')}${answer.streamPath}`);
    const messages: { event: string; [field: string]: unknown }[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data)) as (typeof messages)[number]));
    const closed = new Promise((resolve) => ws.once('close', resolve));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ event: 'start', start: { streamId: 'S1', callId: answer.callId } }));
    await closed;

    const end = messages.find((m) => m.event === 'end');
    expect(end).toEqual({ event: 'end', reason: 'error', error: { provider: 'openai_realtime', message: expect.stringMatching(/ECONNREFUSED|connect/i) } });
    expect(JSON.stringify(messages)).not.toContain(KEY);
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ reason: 'error', error: end!.error });
  });
});
