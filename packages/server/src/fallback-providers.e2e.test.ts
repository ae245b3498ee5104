import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CartesiaTTS } from '@patter/cartesia';
import { FallbackLLM, FallbackSTT, FallbackTTS, type CallEndSummary, type Logger } from '@patter/core';
import { CONTINUE_INSTRUCTION } from '@patter/core/plugin';
import { DeepgramSTT } from '@patter/deepgram';
import { OpenAILLM } from '@patter/openai';
import { FakeHttpServer, FakeTwilioApi, FIXTURE_TEXTS, loadFixture, TwilioSimulator } from '@patter/testing';
import { Twilio } from '@patter/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { Patter } from './patter.js';
import { waitFor } from './test-support/test-server.js';

// Fallback providers in a real Twilio pipeline call: for each kind, a primary (the real plugin
// against a loopback fake of its vendor) that is down before the call or fails during the turn,
// and a secondary of the same vendor that takes over.

const ACCOUNT_SID = 'AC' + 'c3'.repeat(16);
const AUTH_TOKEN = 'twilio-auth-token-for-fallback-tests';
const HEARD = FIXTURE_TEXTS['book-a-table'];
const SPEECH = loadFixture('book-a-table', 'mulaw-8k').bytes;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

type Mode = 'ok' | 'down' | 'failMidTurn';

/**
 * Deepgram `/v1/listen`. `ok`: one final (speech_final) once a second of audio was received. `down`: every
 * upgrade refused with 401. `failMidTurn`: the first socket is cut after 0.5 s of audio and every
 * reconnect is refused with 503 (the vendor went down during the turn).
 */
async function fakeDeepgram(mode: Mode) {
  const http: Server = createServer();
  const wss = new WebSocketServer({ noServer: true });
  let audioBytes = 0;
  let connections = 0;
  let cut = false;
  let answered = false;
  http.on('upgrade', (req: IncomingMessage, socket, head) => {
    if (mode === 'down') return void socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
    if (cut) return void socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
    connections++;
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      let sinceFinal = 0;
      ws.on('message', (data, isBinary) => {
        if (!isBinary) {
          if ((JSON.parse(String(data)) as { type: string }).type === 'CloseStream') ws.close(1000);
          return;
        }
        audioBytes += (data as Buffer).length;
        sinceFinal += (data as Buffer).length;
        if (mode === 'failMidTurn' && audioBytes >= 4000) {
          cut = true;
          ws.terminate();
          return;
        }
        if (sinceFinal >= 8000 && !answered) {
          answered = true;
          const alt = { transcript: HEARD, confidence: 0.98, words: [] };
          ws.send(JSON.stringify({ type: 'Results', is_final: true, speech_final: true, start: 0, duration: 1, channel: { alternatives: [alt] } }));
        }
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => { wss.close(); http.closeAllConnections(); http.close(() => resolve()); }));
  return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`, audio: () => audioBytes, connections: () => connections };
}

const chunk = (delta: object, finish: string | null = null) => ({
  id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }],
});

/** OpenAI chat completions. `down`: 503. `failMidTurn`: streams `partial` then the connection drops. */
async function fakeOpenAI(mode: Mode, parts: string[]) {
  const bodies: { messages: { role: string; content: string }[] }[] = [];
  const server = await FakeHttpServer.start({
    'POST /v1/chat/completions': (req, res) => {
      bodies.push(req.json() as (typeof bodies)[number]);
      if (mode === 'down') return res.json(503, { error: { message: 'overloaded' } });
      const events = [chunk({ role: 'assistant', content: '' }), ...parts.map((content) => chunk({ content }))];
      if (mode === 'failMidTurn') {
        return void res.stream({
          headers: { 'content-type': 'text/event-stream' },
          chunks: events.map((e) => `data: ${JSON.stringify(e)}\n\n`),
          then: 'destroy',
        });
      }
      void res.sse([...events, chunk({}, 'stop'), '[DONE]']);
    },
  });
  closers.push(() => server.close());
  return { url: `${server.url}/v1`, bodies };
}

/**
 * Cartesia `/tts/bytes`: 10 ms of μ-law per character, every byte `fill`. `down`: 503.
 * `failMidTurn`: the first 400 bytes of the first request, then the connection drops.
 */
async function fakeCartesia(mode: Mode, fill: number) {
  const texts: string[] = [];
  const server = await FakeHttpServer.start({
    'POST /tts/bytes': (req, res) => {
      const body = req.json() as { transcript: string };
      texts.push(body.transcript);
      if (mode === 'down') return res.json(503, { error: 'overloaded' });
      const audio = new Uint8Array(body.transcript.length * 80).fill(fill);
      const cutNow = mode === 'failMidTurn' && texts.length === 1;
      void res.stream({
        headers: { 'content-type': 'application/octet-stream' },
        chunks: cutNow ? [audio.subarray(0, 400)] : [audio.subarray(0, 400), audio.subarray(400)],
        then: cutNow ? 'destroy' : 'end',
      });
    },
  });
  closers.push(() => server.close());
  return { url: server.url, texts };
}

function recordingLogger(lines: { msg: string; fields: Record<string, unknown> }[]): Logger {
  const log = (fields: Record<string, unknown>, msg: string) => void lines.push({ msg, fields });
  const logger: Logger = { debug: log, info: log, warn: log, error: log, child: (bound) => {
    const child = (f: Record<string, unknown>, m: string) => log({ ...bound, ...f }, m);
    return { debug: child, info: child, warn: child, error: child, child: () => logger };
  } };
  return logger;
}

async function startCall(primary: Mode, llmParts: { primary: string[]; secondary: string[] }) {
  const [dg1, dg2, oa1, oa2, ca1, ca2] = await Promise.all([
    fakeDeepgram(primary),
    fakeDeepgram('ok'),
    fakeOpenAI(primary, llmParts.primary),
    fakeOpenAI('ok', llmParts.secondary),
    fakeCartesia(primary, 0x2a),
    fakeCartesia('ok', 0x2b),
  ]);
  const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
  closers.push(() => api.close());
  const lines: { msg: string; fields: Record<string, unknown> }[] = [];
  const ends: CallEndSummary[] = [];
  const phone = new Patter({
    carrier: new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }),
    phoneNumber: '+14155550199',
    logger: recordingLogger(lines),
  });
  const stt = new FallbackSTT([new DeepgramSTT({ apiKey: 'dg-1', baseUrl: dg1.url }), new DeepgramSTT({ apiKey: 'dg-2', baseUrl: dg2.url })]);
  const llm = new FallbackLLM([new OpenAILLM({ apiKey: 'oa-1', baseUrl: oa1.url }), new OpenAILLM({ apiKey: 'oa-2', baseUrl: oa2.url })]);
  const tts = new FallbackTTS([new CartesiaTTS({ apiKey: 'ca-1', baseUrl: ca1.url }), new CartesiaTTS({ apiKey: 'ca-2', baseUrl: ca2.url })]);
  closers.push(async () => {
    await Promise.all([stt.close(), llm.close(), tts.close()]);
  });
  const agent = phone.agent({ stt, llm, tts });
  const handle = await phone.serve({ agent, port: 0, host: '127.0.0.1', shutdownSignals: false, onCallEnd: (s) => void ends.push(s) });
  closers.push(() => handle.close({ timeoutMs: 0 }));
  const simulator = new TwilioSimulator({ serverUrl: handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
  const call = await simulator.inboundCall();
  return { dg1, dg2, oa1, oa2, ca1, ca2, lines, ends, call, stt, llm, tts };
}

const count = (bytes: Uint8Array, value: number) => bytes.reduce((n, b) => n + (b === value ? 1 : 0), 0);

/** Sentence marks the simulator echoed as played (the heard-latency marks of telemetry left out). */
const playedSentences = (call: { marks: { items: readonly { name: string; echoedAt: number | undefined }[] } }) =>
  call.marks.items.filter((m) => !m.name.startsWith('patter-heard') && m.echoedAt !== undefined).length;

describe('fallback providers in a pipeline call', () => {
  it('every primary is down before the turn (STT 401, LLM 503, TTS 503): the secondaries serve it', async () => {
    const reply = 'Sure, for two people.';
    const t = await startCall('down', { primary: [], secondary: [reply] });
    await t.call.sendAudio(SPEECH);
    await waitFor(() => count(t.call.receivedAudio(), 0x2b) >= reply.length * 80, 15_000);
    // The reply enters the transcript once the carrier confirms it was played.
    await waitFor(() => playedSentences(t.call) >= 1, 5_000);

    // STT: the caller's words came from the second Deepgram, which heard the whole utterance.
    expect(t.dg1.connections()).toBe(0);
    expect(t.dg2.audio()).toBeGreaterThanOrEqual(8000);
    // LLM: the first answered 503 (retried by the plugin), the second got the plain request.
    expect(t.oa1.bodies.length).toBeGreaterThanOrEqual(1);
    expect(t.oa2.bodies[0]?.messages.at(-1)).toEqual({ role: 'user', content: HEARD });
    // TTS: the sentence was asked of both, and only the second one's audio was played.
    expect(t.ca1.texts[0]).toBe(reply);
    expect(t.ca2.texts).toEqual([reply]);
    expect(count(t.call.receivedAudio(), 0x2a)).toBe(0);
    expect(count(t.call.receivedAudio(), 0x2b)).toBe(reply.length * 80);
    expect(t.stt.isHealthy(t.stt.providers[0]!)).toBe(false);
    expect(t.llm.isHealthy(t.llm.providers[0]!)).toBe(false);
    expect(t.tts.isHealthy(t.tts.providers[0]!)).toBe(false);
    const failed = t.lines.filter((l) => l.msg.startsWith('fallback:') && l.msg.endsWith('failed, trying the next')).map((l) => l.msg);
    expect(new Set(failed)).toEqual(
      new Set(['fallback: stt provider failed, trying the next', 'fallback: llm provider failed, trying the next', 'fallback: tts provider failed, trying the next']),
    );
    expect(t.lines.some((l) => l.msg === 'fallback: llm provider serving the turn' && l.fields.provider === 'openai')).toBe(true);

    await t.call.stop();
    await waitFor(() => t.ends.length === 1, 5_000);
    expect(t.ends[0]?.transcript.map((e) => `${e.role}: ${e.text}`)).toEqual([`user: ${HEARD}`, `assistant: ${reply}`]);
    expect(t.call.violations).toEqual([]);
  });

  it('every primary fails during the turn: STT audio is replayed, the reply is finished without repeating, the sentence resumes', async () => {
    const t = await startCall('failMidTurn', { primary: ['Sure, for two'], secondary: [' people.'] });
    await t.call.sendAudio(SPEECH);
    const reply = 'Sure, for two people.';
    await waitFor(() => count(t.call.receivedAudio(), 0x2a) + count(t.call.receivedAudio(), 0x2b) >= reply.length * 80, 15_000);
    await waitFor(() => t.ends.length === 0 && playedSentences(t.call) >= 1, 5_000);

    // STT: the first Deepgram was cut after 0.5 s and refused to come back; the second was sent
    // the unfinalized audio again (from the start of the utterance), so it heard all of it.
    expect(t.dg1.audio()).toBeGreaterThanOrEqual(4000);
    expect(t.dg2.audio()).toBeGreaterThanOrEqual(SPEECH.length - 160);
    // LLM: the second model was asked to continue the partial reply, not to start over.
    expect(t.oa2.bodies[0]?.messages.slice(-2)).toEqual([
      { role: 'assistant', content: 'Sure, for two' },
      { role: 'user', content: CONTINUE_INSTRUCTION },
    ]);
    // TTS: 400 bytes from the first voice, then the second voice from the same point: the
    // sentence's length exactly, nothing heard twice.
    expect(t.ca1.texts).toEqual([reply]);
    expect(t.ca2.texts).toEqual([reply]);
    const received = t.call.receivedAudio();
    expect(count(received, 0x2a)).toBe(400);
    expect(count(received, 0x2b)).toBe(reply.length * 80 - 400);
    expect(received.indexOf(0x2b)).toBeGreaterThan(received.lastIndexOf(0x2a));

    await t.call.stop();
    await waitFor(() => t.ends.length === 1, 5_000);
    expect(t.ends[0]?.transcript.map((e) => `${e.role}: ${e.text}`)).toEqual([`user: ${HEARD}`, `assistant: ${reply}`]);
    expect(t.call.violations).toEqual([]);
  });
});
