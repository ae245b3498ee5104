import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { CartesiaSTT, CartesiaTTS } from '@patter/cartesia';
import { silentLogger, type CallEndSummary } from '@patter/core';
import { DeepgramSTT } from '@patter/deepgram';
import { OpenAILLM } from '@patter/openai';
import { FakeHttpServer, FakeTwilioApi, TwilioSimulator } from '@patter/testing';
import { Twilio } from '@patter/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { Patter } from './patter.js';
import { waitFor } from './test-support/test-server.js';
import { fakeDeepgram, fakeOpenAIChat, VENDOR_KEYS } from './test-support/telemetry-vendor-fakes.js';

// Answer-time warmup through the real server, the Twilio simulator and the real plugins: the
// voice webhook comes first (the phone rings), the media stream opens later. Cartesia's fake takes
// TTS_DELAY_MS before its audio, so a greeting synthesized only once the stream opened is late by
// at least that much.

const ACCOUNT_SID = 'AC' + 'f6'.repeat(16);
const AUTH_TOKEN = 'twilio-auth-token-for-warmup-tests';
const GREETING = 'Thanks for calling Luigi.';
const TTS_DELAY_MS = 1_200;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function slowCartesia() {
  const requests: { text: string; at: number }[] = [];
  const server = await FakeHttpServer.start({
    'POST /tts/bytes': (req, res) => {
      if (req.header('authorization') !== `Bearer ${VENDOR_KEYS.cartesia}`) return res.json(401, { error: 'bad key' });
      const body = req.json() as { transcript: string };
      requests.push({ text: body.transcript, at: performance.now() });
      const audio = new Uint8Array(body.transcript.length * 80).fill(0x2a);
      setTimeout(() => void res.stream({ headers: { 'content-type': 'application/octet-stream' }, chunks: [audio], then: 'end' }), TTS_DELAY_MS);
    },
  });
  closers.push(() => server.close());
  return { url: server.url, requests };
}

/** Cartesia `/stt/websocket`: records each connection (when it opened, the audio bytes it carried). */
async function cartesiaSttFake() {
  const connections: { at: number; audioBytes: number }[] = [];
  const http = createServer();
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req: IncomingMessage, socket, head) => {
    if (!(req.url ?? '').startsWith('/stt/websocket') || req.headers['x-api-key'] !== 'ca-stt-key') return void socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = { at: performance.now(), audioBytes: 0 };
      connections.push(connection);
      ws.on('message', (data, isBinary) => {
        if (isBinary) connection.audioBytes += (data as Buffer).length;
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => { for (const ws of wss.clients) ws.terminate(); wss.close(); http.closeAllConnections(); http.close(() => resolve()); }));
  return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`, connections };
}

async function ringThenAnswer(warmup: boolean | undefined, sttUrl?: string) {
  const [deepgram, openai, cartesia] = await Promise.all([fakeDeepgram([]), fakeOpenAIChat('Sure.'), slowCartesia()]);
  closers.push(() => deepgram.close(), () => openai.close());
  const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
  closers.push(() => api.close());
  const ends: CallEndSummary[] = [];
  const phone = new Patter({
    carrier: new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }),
    phoneNumber: '+14155550199',
    logger: silentLogger,
  });
  const agent = phone.agent({
    stt: sttUrl === undefined
      ? new DeepgramSTT({ apiKey: VENDOR_KEYS.deepgram, baseUrl: deepgram.url })
      : new CartesiaSTT({ apiKey: 'ca-stt-key', baseUrl: sttUrl }),
    llm: new OpenAILLM({ apiKey: VENDOR_KEYS.openai, baseUrl: openai.url }),
    tts: new CartesiaTTS({ apiKey: VENDOR_KEYS.cartesia, baseUrl: cartesia.url }),
    firstMessage: 'Thanks for calling {place}.',
    variables: { place: 'Luigi' },
  });
  const handle = await phone.serve({
    agent, port: 0, host: '127.0.0.1', shutdownSignals: false, onCallEnd: (s) => void ends.push(s), ...(warmup === undefined ? {} : { warmup }),
  });
  closers.push(() => handle.close({ timeoutMs: 0 }));
  const simulator = new TwilioSimulator({ serverUrl: handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
  const callSid = 'CA' + '1a'.repeat(16);
  const answer = await simulator.webhook('/twilio/voice', {
    AccountSid: ACCOUNT_SID, ApiVersion: '2010-04-01', CallSid: callSid, CallStatus: 'ringing', Direction: 'inbound', From: '+14155550100', To: '+14155550199',
  });
  expect(answer.status).toBe(200);
  // The phone rings for longer than the TTS takes.
  await new Promise((resolve) => setTimeout(resolve, TTS_DELAY_MS + 600));
  const opened = performance.now();
  const call = await simulator.connect(answer.body, callSid);
  await waitFor(() => call.receivedAudio().length >= GREETING.length * 80, 10_000);
  const firstAudioMs = (call.media.items[0]?.at ?? Number.NaN) - opened;
  // The caller's audio goes to the STT (half a second of μ-law silence).
  await call.sendAudio(new Uint8Array(4000).fill(0xff));
  // Heard to the end (its mark came back): the greeting is in the transcript.
  await waitFor(() => call.marks.items.length >= 1, 10_000);
  await new Promise((resolve) => setTimeout(resolve, 200));
  await call.stop();
  await waitFor(() => ends.length === 1, 5_000);
  return { cartesia, opened, firstAudioMs, ends };
}

describe('answer-time warmup (inbound, Twilio)', () => {
  it('on by default: the greeting is synthesized while the phone rings and plays as the stream opens', async () => {
    const { cartesia, opened, firstAudioMs, ends } = await ringThenAnswer(undefined);
    expect(cartesia.requests.map((r) => r.text)).toEqual([GREETING]);
    expect(cartesia.requests[0]!.at).toBeLessThan(opened);
    // Far below the TTS's own delay: the audio was ready (a wide margin for a loaded machine).
    expect(firstAudioMs).toBeLessThan(TTS_DELAY_MS - 400);
    expect(ends[0]?.transcript.find((t) => t.role === 'assistant')?.text).toBe(GREETING);
    expect(ends[0]?.usage).toMatchObject({ cartesia_tts: { characters: GREETING.length } });
  });

  it('an STT that can park (Cartesia): its socket opens while the phone rings and the call adopts it (one connection, carrying the audio)', async () => {
    const stt = await cartesiaSttFake();
    const { opened } = await ringThenAnswer(undefined, stt.url);
    expect(stt.connections).toHaveLength(1);
    expect(stt.connections[0]!.at).toBeLessThan(opened);
    expect(stt.connections[0]!.audioBytes).toBeGreaterThanOrEqual(4000);
  });

  it('warmup: false — the greeting is requested once the stream opened, and waits for the TTS', async () => {
    const { cartesia, opened, firstAudioMs } = await ringThenAnswer(false);
    expect(cartesia.requests.map((r) => r.text)).toEqual([GREETING]);
    expect(cartesia.requests[0]!.at).toBeGreaterThan(opened);
    expect(firstAudioMs).toBeGreaterThanOrEqual(TTS_DELAY_MS - 50);
  });
});
