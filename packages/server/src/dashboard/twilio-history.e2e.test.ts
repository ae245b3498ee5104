import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CartesiaTTS } from '@patter/cartesia';
import { silentLogger } from '@patter/core';
import { DeepgramSTT } from '@patter/deepgram';
import { OpenAILLM } from '@patter/openai';
import type { CallRecord } from '@patter/store';
import { FakeHttpServer, FakeTwilioApi, FIXTURE_TEXTS, loadFixture, TwilioSimulator, type FakeHttpResponse } from '@patter/testing';
import { Twilio } from '@patter/twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { Patter } from '../patter.js';
import { openTestStore } from '../test-support/history-store.js';
import { waitFor } from '../test-support/test-server.js';

// A Twilio call (simulator) through the real server, session and the real Deepgram, OpenAI and
// Cartesia plugins against loopback fakes, ends up in the store with transcript, metrics and cost.

const ACCOUNT_SID = 'AC' + 'c3'.repeat(16);
const AUTH_TOKEN = 'twilio-auth-token-for-history-tests';
const HEARD = FIXTURE_TEXTS['book-a-table'];
const closers: (() => Promise<void>)[] = [];
let testStore: Awaited<ReturnType<typeof openTestStore>>;

beforeAll(async () => {
  testStore = await openTestStore();
}, 120_000);
afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await testStore.store.close();
});

/** Deepgram `/v1/listen`: one final (speech_final) once a second of audio has arrived. */
async function fakeDeepgram(): Promise<string> {
  const http: Server = createServer();
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req: IncomingMessage, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      let bytes = 0;
      let sent = false;
      ws.on('message', (data, isBinary) => {
        if (!isBinary) return void (JSON.parse(String(data)).type === 'CloseStream' && ws.close(1000));
        bytes += (data as Buffer).length;
        if (!sent && bytes >= 8000) {
          sent = true;
          const alt = { transcript: HEARD, confidence: 0.98, words: [] };
          ws.send(JSON.stringify({ type: 'Results', is_final: true, speech_final: true, start: 0, duration: 1, channel: { alternatives: [alt] } }));
        }
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => { wss.close(); http.closeAllConnections(); http.close(() => resolve()); }));
  return `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

const chunk = (delta: object, finish: string | null = null) => ({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] });
const usage = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 30, completion_tokens: 8 } };

describe('a Twilio call in the call history', () => {
  it('is stored with its transcript, per-turn latency and cost by provider, and found by the dashboard API', async () => {
    const deepgramUrl = await fakeDeepgram();
    const openai = await FakeHttpServer.start({
      'POST /v1/chat/completions': (_req, res: FakeHttpResponse) =>
        void res.sse([chunk({ role: 'assistant', content: '' }), chunk({ content: 'Sure, for two people.' }), chunk({}, 'stop'), usage, '[DONE]']),
    });
    closers.push(() => openai.close());
    const cartesia = await FakeHttpServer.start({
      'POST /tts/bytes': (req, res: FakeHttpResponse) => {
        const body = req.json() as { transcript: string };
        void res.stream({ headers: { 'content-type': 'application/octet-stream' }, chunks: [new Uint8Array(body.transcript.length * 80).fill(0x2a)], then: 'end' });
      },
    });
    closers.push(() => cartesia.close());
    const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
    closers.push(() => api.close());
    const phone = new Patter({ carrier: new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }), phoneNumber: '+14155550199', logger: silentLogger });
    const agent = phone.agent({
      name: 'luigi',
      firstMessage: 'Welcome to Luigi.',
      stt: new DeepgramSTT({ apiKey: 'dg-key', baseUrl: deepgramUrl }),
      llm: new OpenAILLM({ apiKey: 'oa-key', baseUrl: `${openai.url}/v1` }),
      tts: new CartesiaTTS({ apiKey: 'ca-key', baseUrl: cartesia.url }),
    });
    const handle = await phone.serve({ agent, port: 0, host: '127.0.0.1', shutdownSignals: false, store: testStore.store });
    closers.push(() => handle.close({ timeoutMs: 0 }));
    const simulator = new TwilioSimulator({ serverUrl: handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });

    const call = await simulator.inboundCall({ from: '+14155550100' });
    await waitFor(() => call.receivedAudio().length >= 'Welcome to Luigi.'.length * 80, 8_000);
    await call.sendAudio(loadFixture('book-a-table', 'mulaw-8k').bytes);
    await waitFor(() => call.receivedAudio().length >= ('Welcome to Luigi.'.length + 'Sure, for two people.'.length) * 80, 8_000);
    await call.stop();

    let record: CallRecord | undefined;
    await waitFor(() => record !== undefined || (void testStore.store.getCall(call.callSid).then((r) => (record = r)), false), 15_000);
    expect(record).toMatchObject({ callId: call.callSid, carrier: 'twilio', direction: 'inbound', from: '+14155550100', agent: 'luigi', endReason: 'caller_hangup' });
    expect(record!.timeline.map((i) => (i.kind === 'tool' ? i.name : `${i.kind}: ${i.text}`))).toEqual([
      'assistant: Welcome to Luigi.',
      `user: ${HEARD}`,
      'assistant: Sure, for two people.',
    ]);
    const turn = record!.turns.find((t) => t.llmFirstTokenMs !== undefined);
    expect(turn?.totalMs).toBeGreaterThan(0);
    expect(turn?.ttsFirstByteMs).toBeGreaterThanOrEqual(0);
    // Heard latency: the simulator echoes Twilio's marks once the audio before them has played.
    expect(turn?.heardMs).toBeGreaterThanOrEqual(turn?.totalMs ?? 0);
    expect(record!.cost.openai).toBeGreaterThan(0);
    expect(record!.cost.cartesia_tts).toBeGreaterThan(0);
    expect(record!.usage.deepgram?.audioSeconds).toBeGreaterThan(1);

    const found = (await (await fetch(`${handle.dashboardUrl}/api/calls?q=${encodeURIComponent('for two')}`)).json()) as { calls: { callId: string; costUsd: number }[] };
    expect(found.calls.map((c) => c.callId)).toEqual([call.callSid]);
    expect(found.calls[0]?.costUsd).toBeGreaterThan(0);
  }, 60_000);
});
