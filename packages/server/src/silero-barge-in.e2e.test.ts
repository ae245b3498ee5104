import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CartesiaTTS } from '@patter/cartesia';
import { silentLogger, type CallEndSummary, type VADProvider } from '@patter/core';
import { encodeMulaw } from '@patter/core/plugin';
import { DeepgramSTT } from '@patter/deepgram';
import { OpenAILLM } from '@patter/openai';
import { SileroVAD } from '@patter/silero';
import { FakeHttpServer, FakeTwilioApi, FIXTURE_TEXTS, loadFixture, TwilioSimulator } from '@patter/testing';
import { Twilio } from '@patter/twilio';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { Patter } from './patter.js';
import { waitFor } from './test-support/test-server.js';

// A pipeline call through the real server and plugins (Deepgram, OpenAI, Cartesia fakes) in which
// the caller's line carries a burst of loud noise while the agent speaks: with Silero it does not
// barge in, with the energy detector it does; the caller's speech does barge in with Silero.
// The fake STT sends one final and nothing else, so the only barge-in evidence is the VAD's.

const ACCOUNT_SID = 'AC' + 'd4'.repeat(16);
const AUTH_TOKEN = 'twilio-auth-token-for-silero-tests';
const SPEECH = loadFixture('book-a-table', 'mulaw-8k').bytes;
const REPLY = 'Let me tell you about our opening hours, our menu and our booking rules in some detail. '.repeat(4).trim();

const LINE_SILENCE = new Uint8Array(8000).fill(0xff);

const silero = new SileroVAD();
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(() => silero.close());

/** Two seconds of loud μ-law noise: a chord with harmonics, typing clicks and line hiss (seeded). */
function noiseBurst(): Uint8Array {
  const rate = 8000;
  const n = rate * 2;
  const pcm = new Int16Array(n);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    let v = 0;
    for (const f of [261.6, 329.6, 392]) for (let h = 1; h <= 3; h++) v += (0.05 / h) * Math.sin(2 * Math.PI * f * h * t);
    v += 0.04 * rnd();
    const sinceClick = i % 1400;
    if (sinceClick < 60) v += 0.5 * rnd() * Math.exp(-sinceClick / 15);
    pcm[i] = Math.max(-32768, Math.min(32767, Math.round(v * 32767)));
  }
  const out = new Uint8Array(n);
  encodeMulaw(pcm, out);
  return out;
}

/** Deepgram: one final (speech_final) once a second of audio arrived; nothing else, ever. */
async function fakeDeepgram() {
  const http: Server = createServer();
  const wss = new WebSocketServer({ noServer: true });
  let answered = false;
  http.on('upgrade', (req: IncomingMessage, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      let bytes = 0;
      ws.on('message', (data, isBinary) => {
        if (!isBinary) {
          if ((JSON.parse(String(data)) as { type: string }).type === 'CloseStream') ws.close(1000);
          return;
        }
        bytes += (data as Buffer).length;
        if (answered || bytes < 8000) return;
        answered = true;
        const alt = { transcript: FIXTURE_TEXTS['book-a-table'], confidence: 0.98, words: [] };
        ws.send(JSON.stringify({ type: 'Results', is_final: true, speech_final: true, start: 0, duration: 1, channel: { alternatives: [alt] } }));
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => { wss.close(); http.closeAllConnections(); http.close(() => resolve()); }));
  return `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

async function startCall(vad: VADProvider | undefined) {
  const chunk = (delta: object, finish: string | null = null) => ({
    id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const openai = await FakeHttpServer.start({
    'POST /v1/chat/completions': (_req, res) => void res.sse([chunk({ role: 'assistant', content: REPLY }), chunk({}, 'stop'), '[DONE]']),
  });
  // 20 ms of μ-law per character: the reply lasts about seven seconds.
  const cartesia = await FakeHttpServer.start({
    'POST /tts/bytes': (req, res) => {
      const audio = new Uint8Array((req.json() as { transcript: string }).transcript.length * 160).fill(0x2a);
      void res.stream({ headers: { 'content-type': 'application/octet-stream' }, chunks: [audio] });
    },
  });
  closers.push(() => openai.close(), () => cartesia.close());
  const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
  closers.push(() => api.close());
  const ends: CallEndSummary[] = [];
  const phone = new Patter({
    carrier: new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }),
    phoneNumber: '+14155550199',
    logger: silentLogger,
  });
  const agent = phone.agent({
    stt: new DeepgramSTT({ apiKey: 'dg-key', baseUrl: await fakeDeepgram() }),
    llm: new OpenAILLM({ apiKey: 'oa-key', baseUrl: `${openai.url}/v1` }),
    tts: new CartesiaTTS({ apiKey: 'ca-key', baseUrl: cartesia.url }),
    ...(vad ? { vad } : {}),
  });
  const handle = await phone.serve({ agent, port: 0, host: '127.0.0.1', shutdownSignals: false, onCallEnd: (s) => void ends.push(s) });
  closers.push(() => handle.close({ timeoutMs: 0 }));
  const simulator = new TwilioSimulator({ serverUrl: handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
  const call = await simulator.inboundCall();
  // The caller asks (one second of speech: the fake STT answers its final as it ends); the agent
  // starts its long answer.
  await call.sendAudio(SPEECH.subarray(0, 8000));
  // A phone line never goes quiet: a second of line silence follows, as the agent starts talking.
  await call.sendAudio(LINE_SILENCE);
  await waitFor(() => call.receivedMs() >= 500, 10_000);
  return { call, ends };
}

describe('barge-in with Silero in a pipeline call', () => {
  it('a burst of loud noise while the agent speaks does not interrupt it; the caller speaking does', async () => {
    await silero.warmup();
    const { call, ends } = await startCall(silero);
    await call.sendAudio(noiseBurst());
    // The agent is still talking after two seconds of noise: nothing was cleared.
    expect(call.clears.items.length).toBe(0);
    const heardBefore = call.receivedMs();
    await waitFor(() => call.receivedMs() > heardBefore + 100, 5_000);
    expect(call.clears.items.length).toBe(0);

    await call.sendAudio(SPEECH);
    // Silero's inference competes with the rest of the suite for the cores: a generous wait.
    await waitFor(() => call.clears.items.length === 1, 15_000);
    await call.stop();
    await waitFor(() => ends.length === 1, 5_000);
    expect(ends[0]?.transcript.at(-1)?.role).toBe('assistant');
    // What stayed in the history is the heard part of the reply, not all of it.
    expect(ends[0]!.transcript.at(-1)!.text.length).toBeLessThan(REPLY.length);
    expect(call.violations).toEqual([]);
  }, 40_000);

  it('the same noise burst interrupts the agent with the default energy detector', async () => {
    const { call } = await startCall(undefined);
    await call.sendAudio(noiseBurst());
    await waitFor(() => call.clears.items.length === 1, 5_000);
    await call.stop();
  });
});
