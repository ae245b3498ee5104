import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CartesiaTTS } from '@patter/cartesia';
import { silentLogger, type CallEndSummary } from '@patter/core';
import { DeepgramSTT } from '@patter/deepgram';
import { OpenAILLM } from '@patter/openai';
import { FakeHttpServer, FakeTwilioApi, FIXTURE_TEXTS, loadFixture, TwilioSimulator } from '@patter/testing';
import { Twilio } from '@patter/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { Patter } from './patter.js';
import type { ServerHandle } from './serve.js';
import { waitFor } from './test-support/test-server.js';

// A Twilio call through the real server, the real call session and the real Deepgram, OpenAI
// and Cartesia plugins, each against a loopback fake of its vendor's protocol.

const ACCOUNT_SID = 'AC' + 'b2'.repeat(16);
const AUTH_TOKEN = 'twilio-auth-token-for-pipeline-tests';
const HEARD = FIXTURE_TEXTS['book-a-table'];

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Deepgram `/v1/listen`: checks the key and the query, answers one final after 1 s of audio. */
async function fakeDeepgram() {
  const http: Server = createServer();
  const wss = new WebSocketServer({ noServer: true });
  const queries: URLSearchParams[] = [];
  let audioBytes = 0;
  http.on('upgrade', (req: IncomingMessage, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/v1/listen' || req.headers.authorization !== 'Token dg-key') {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    queries.push(url.searchParams);
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      let answered = false;
      ws.on('message', (data, isBinary) => {
        if (!isBinary) {
          const type = (JSON.parse(String(data)) as { type: string }).type;
          if (type === 'CloseStream') ws.close(1000);
          return;
        }
        audioBytes += (data as Buffer).length;
        if (!answered && audioBytes >= 8000) {
          answered = true;
          const alt = { transcript: HEARD, confidence: 0.98, words: [] };
          ws.send(JSON.stringify({ type: 'Results', is_final: true, speech_final: true, start: 0, duration: 1, channel: { alternatives: [alt] } }));
        }
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => { wss.close(); http.closeAllConnections(); http.close(() => resolve()); }));
  return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`, queries, audio: () => audioBytes };
}

/** OpenAI chat completions: streams the reply as SSE chunks. */
async function fakeOpenAI() {
  const bodies: { messages: { role: string; content: string }[] }[] = [];
  const chunk = (delta: object, finish: string | null = null) => ({
    id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const server = await FakeHttpServer.start({
    'POST /v1/chat/completions': (req, res) => {
      if (req.header('authorization') !== 'Bearer oa-key') return res.json(401, { error: { message: 'bad key' } });
      bodies.push(req.json() as (typeof bodies)[number]);
      void res.sse([
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'Sure, for two people. ' }),
        chunk({ content: 'What time?' }),
        chunk({}, 'stop'),
        { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 30, completion_tokens: 8 } },
        '[DONE]',
      ]);
    },
  });
  closers.push(() => server.close());
  return { url: `${server.url}/v1`, bodies };
}

/** Cartesia `/tts/bytes`: 10 ms of μ-law per character, in two chunks. */
async function fakeCartesia() {
  const texts: string[] = [];
  const server = await FakeHttpServer.start({
    'POST /tts/bytes': (req, res) => {
      if (req.header('authorization') !== 'Bearer ca-key') return res.json(401, { error: 'bad key' });
      const body = req.json() as { transcript: string; output_format: { encoding: string; sample_rate: number; container: string } };
      if (body.output_format.encoding !== 'pcm_mulaw' || body.output_format.sample_rate !== 8000) return res.json(400, { error: 'format' });
      texts.push(body.transcript);
      const audio = new Uint8Array(body.transcript.length * 80).fill(0x2a);
      void res.stream({ headers: { 'content-type': 'application/octet-stream' }, chunks: [audio.subarray(0, 400), audio.subarray(400)] });
    },
  });
  closers.push(() => server.close());
  return { url: server.url, texts };
}

describe('pipeline call through Twilio with real plugins', () => {
  it('the caller says a fixture sentence; the answer arrives as carrier media; transcript and history are right', async () => {
    const [deepgram, openai, cartesia] = await Promise.all([fakeDeepgram(), fakeOpenAI(), fakeCartesia()]);
    const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
    closers.push(() => api.close());
    const ends: CallEndSummary[] = [];
    const phone = new Patter({
      carrier: new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }),
      phoneNumber: '+14155550199',
      logger: silentLogger,
    });
    const agent = phone.agent({
      stt: new DeepgramSTT({ apiKey: 'dg-key', baseUrl: deepgram.url }),
      llm: new OpenAILLM({ apiKey: 'oa-key', baseUrl: openai.url }),
      tts: new CartesiaTTS({ apiKey: 'ca-key', baseUrl: cartesia.url }),
      systemPrompt: 'You take bookings for {place}.',
      firstMessage: 'Welcome to {place}.',
      variables: { place: 'Luigi' },
    });
    const handle: ServerHandle = await phone.serve({
      agent, port: 0, host: '127.0.0.1', shutdownSignals: false, onCallEnd: (summary) => void ends.push(summary),
    });
    closers.push(() => handle.close({ timeoutMs: 0 }));
    const simulator = new TwilioSimulator({ serverUrl: handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });

    const call = await simulator.inboundCall({ from: '+14155550100' });
    const greeting = 'Welcome to Luigi.'.length * 80;
    await waitFor(() => call.receivedAudio().length >= greeting, 5_000);
    await waitFor(() => call.marks.items.length >= 1, 5_000);

    await call.sendAudio(loadFixture('book-a-table', 'mulaw-8k').bytes);
    const reply = ('Sure, for two people.'.length + 'What time?'.length) * 80;
    await waitFor(() => call.receivedAudio().length >= greeting + reply && call.marks.items.length >= 3, 8_000);

    expect(deepgram.queries[0]?.get('encoding')).toBe('mulaw');
    expect(deepgram.queries[0]?.get('sample_rate')).toBe('8000');
    expect(cartesia.texts).toEqual(['Welcome to Luigi.', 'Sure, for two people.', 'What time?']);
    expect(openai.bodies[0]?.messages).toEqual([
      { role: 'system', content: 'You take bookings for Luigi.' },
      { role: 'assistant', content: 'Welcome to Luigi.' },
      { role: 'user', content: HEARD },
    ]);
    const received = call.receivedAudio();
    // μ-law passed through untouched; each sentence's last frame is padded with μ-law silence.
    expect(received.filter((byte) => byte === 0x2a).length).toBe(greeting + reply);
    expect(received.filter((byte) => byte !== 0x2a && byte !== 0xff).length).toBe(0);
    expect(received.length).toBeLessThan(greeting + reply + 3 * 160);
    expect(call.media.items.every((frame) => frame.bytes === 160)).toBe(true);

    await call.stop();
    await waitFor(() => ends.length === 1, 5_000);
    const summary = ends[0] as CallEndSummary;
    expect(summary.reason).toBe('caller_hangup');
    expect(summary.transcript.map((e) => `${e.role}: ${e.text}`)).toEqual([
      'assistant: Welcome to Luigi.',
      `user: ${HEARD}`,
      'assistant: Sure, for two people. What time?',
    ]);
    expect(summary.usage.openai).toMatchObject({ inputTokens: 30, outputTokens: 8 });
    expect(summary.usage.cartesia_tts?.characters).toBe(
      'Welcome to Luigi.'.length + 'Sure, for two people.'.length + 'What time?'.length,
    );
    expect(summary.usage.deepgram?.audioSeconds).toBeGreaterThan(1);
    expect(summary.cost.openai).toBeGreaterThan(0);
    expect(summary.cost.cartesia_tts).toBeGreaterThan(0);
    expect(call.violations).toEqual([]);
  });
});
