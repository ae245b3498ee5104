import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CartesiaTTS } from '@patter/cartesia';
import { silentLogger, type AgentOptions, type CallEndSummary } from '@patter/core';
import { DeepgramSTT } from '@patter/deepgram';
import { OpenAILLM } from '@patter/openai';
import {
  FakeHttpServer,
  FakeTwilioApi,
  FIXTURE_TEXTS,
  loadFixture,
  TwilioSimulator,
  type FakeHttpRequest,
  type FakeHttpResponse,
} from '@patter/testing';
import { Twilio } from '@patter/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { Patter } from './patter.js';
import type { ServerHandle } from './serve.js';
import { waitFor } from './test-support/test-server.js';
import { timerCensus } from './test-support/timer-census.js';

// A Twilio call through the real server, the real call session and the real Deepgram, OpenAI
// and Cartesia plugins, each against a loopback fake of its vendor's protocol.

const ACCOUNT_SID = 'AC' + 'b2'.repeat(16);
const AUTH_TOKEN = 'twilio-auth-token-for-pipeline-tests';
const HEARD = FIXTURE_TEXTS['book-a-table'];
/** Sentence marks the simulator echoed as played (the heard-latency marks of telemetry left out). */
const playedSentences = (call: { marks: { items: readonly { name: string; echoedAt: number | undefined }[] } }) =>
  call.marks.items.filter((m) => !m.name.startsWith('patter-heard') && m.echoedAt !== undefined).length;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  timerCensus.uninstall();
  for (const close of closers.splice(0).reverse()) await close();
});

/**
 * Deepgram `/v1/listen`: checks the key and the query; answers the next of `finals` (a final
 * with speech_final) each time another second of audio has arrived; `send` pushes any event.
 */
async function fakeDeepgram(finals: string[] = [HEARD]) {
  const http: Server = createServer();
  const wss = new WebSocketServer({ noServer: true });
  const queries: URLSearchParams[] = [];
  const sockets = new Set<WebSocket>();
  let audioBytes = 0;
  http.on('upgrade', (req: IncomingMessage, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/v1/listen' || req.headers.authorization !== 'Token dg-key') {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    queries.push(url.searchParams);
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      let sinceFinal = 0;
      ws.on('message', (data, isBinary) => {
        if (!isBinary) {
          const type = (JSON.parse(String(data)) as { type: string }).type;
          if (type === 'CloseStream') ws.close(1000);
          return;
        }
        audioBytes += (data as Buffer).length;
        sinceFinal += (data as Buffer).length;
        const text = finals[0];
        if (text !== undefined && sinceFinal >= 8000) {
          finals.shift();
          sinceFinal = 0;
          const alt = { transcript: text, confidence: 0.98, words: [] };
          ws.send(JSON.stringify({ type: 'Results', is_final: true, speech_final: true, start: 0, duration: 1, channel: { alternatives: [alt] } }));
        }
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => { wss.close(); http.closeAllConnections(); http.close(() => resolve()); }));
  return {
    url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`,
    queries,
    audio: () => audioBytes,
    send: (event: object) => { for (const ws of sockets) ws.send(JSON.stringify(event)); },
  };
}

type ChatScript = (req: FakeHttpRequest, res: FakeHttpResponse) => void;
const chunk = (delta: object, finish: string | null = null) => ({
  id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }],
});
const usage = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 30, completion_tokens: 8 } };
const say = (...parts: string[]): ChatScript => (_req, res) =>
  void res.sse([chunk({ role: 'assistant', content: '' }), ...parts.map((content) => chunk({ content })), chunk({}, 'stop'), usage, '[DONE]']);
/** Once a call has ended, every timer armed during it (session, plugins, transport) is gone. */
async function expectNoTimersLeft(): Promise<void> {
  for (let i = 0; i < 150 && timerCensus.live > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(timerCensus.live).toBe(0);
}

/** A tool call streamed in fragments, after some text. */
const callTool = (text: string, name: string, argParts: string[]): ChatScript => (_req, res) =>
  void res.sse([
    chunk({ role: 'assistant', content: text }),
    chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name, arguments: '' } }] }),
    ...argParts.map((part) => chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] })),
    chunk({}, 'tool_calls'),
    '[DONE]',
  ]);

/** OpenAI chat completions: each request gets the next script. */
async function fakeOpenAI(scripts: ChatScript[] = [say('Sure, for two people. ', 'What time?')]) {
  const bodies: { messages: { role: string; content: string }[]; tools?: { function: { name: string } }[] }[] = [];
  const requests: FakeHttpRequest[] = [];
  const server = await FakeHttpServer.start({
    'POST /v1/chat/completions': (req, res) => {
      if (req.header('authorization') !== 'Bearer oa-key') return res.json(401, { error: { message: 'bad key' } });
      bodies.push(req.json() as (typeof bodies)[number]);
      requests.push(req);
      const script = scripts.shift();
      if (!script) return res.json(500, { error: { message: 'no script' } });
      script(req, res);
    },
  });
  closers.push(() => server.close());
  return { url: `${server.url}/v1`, bodies, requests };
}

/**
 * Cartesia `/tts/bytes`: 10 ms of μ-law per character, in two chunks. With `hangFirst` the first
 * request keeps its response open after the audio (a synthesis still in flight).
 */
async function fakeCartesia(hangFirst = false) {
  const texts: string[] = [];
  const requests: FakeHttpRequest[] = [];
  const server = await FakeHttpServer.start({
    'POST /tts/bytes': (req, res) => {
      requests.push(req);
      if (req.header('authorization') !== 'Bearer ca-key') return res.json(401, { error: 'bad key' });
      const body = req.json() as { transcript: string; output_format: { encoding: string; sample_rate: number; container: string } };
      if (body.output_format.encoding !== 'pcm_mulaw' || body.output_format.sample_rate !== 8000) return res.json(400, { error: 'format' });
      texts.push(body.transcript);
      const audio = new Uint8Array(body.transcript.length * 80).fill(0x2a);
      const then = hangFirst && requests.length === 1 ? 'hang' : 'end';
      void res.stream({ headers: { 'content-type': 'application/octet-stream' }, chunks: [audio.subarray(0, 400), audio.subarray(400)], then });
    },
  });
  closers.push(() => server.close());
  return { url: server.url, texts, requests };
}

async function startPipelineServer(
  options: { scripts?: ChatScript[]; finals?: string[]; agent?: Partial<AgentOptions>; hangFirstTts?: boolean } = {},
) {
  const [deepgram, openai, cartesia] = await Promise.all([
    fakeDeepgram(options.finals),
    fakeOpenAI(options.scripts),
    fakeCartesia(options.hangFirstTts),
  ]);
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
    ...options.agent,
  });
  const handle: ServerHandle = await phone.serve({
    agent, port: 0, host: '127.0.0.1', shutdownSignals: false, onCallEnd: (summary) => void ends.push(summary),
  });
  closers.push(() => handle.close({ timeoutMs: 0 }));
  const simulator = new TwilioSimulator({ serverUrl: handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
  return { deepgram, openai, cartesia, api, ends, simulator };
}

describe('pipeline call through Twilio with real plugins', () => {
  it('the caller says a fixture sentence; the answer arrives as carrier media; transcript and history are right', async () => {
    const { deepgram, openai, cartesia, ends, simulator } = await startPipelineServer({
      agent: { systemPrompt: 'You take bookings for {place}.', firstMessage: 'Welcome to {place}.', variables: { place: 'Luigi' } },
    });
    timerCensus.install();
    const call = await simulator.inboundCall({ from: '+14155550100' });
    const greeting = 'Welcome to Luigi.'.length * 80;
    await waitFor(() => call.receivedAudio().length >= greeting, 5_000);
    await waitFor(() => playedSentences(call) >= 1, 5_000);

    await call.sendAudio(loadFixture('book-a-table', 'mulaw-8k').bytes);
    const reply = ('Sure, for two people.'.length + 'What time?'.length) * 80;
    await waitFor(() => call.receivedAudio().length >= greeting + reply && playedSentences(call) >= 3, 8_000);

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
    expect(call.media.items.every((frame) => frame.bytes % 160 === 0)).toBe(true);

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
    await expectNoTimersLeft();
    expect(summary.cost.cartesia_tts).toBeGreaterThan(0);
    expect(call.violations).toEqual([]);
  });
  it('barge-in: the caller speaks over the agent → clear, LLM and TTS requests aborted, history keeps the played part', async () => {
    const sentence = 'Our menu has fresh pasta, wood fired pizza and seasonal salads every day.';
    const { deepgram, openai, cartesia, ends, simulator } = await startPipelineServer({
      finals: ['What is on the menu?', 'Stop, just the pizza.'],
      scripts: [
        (_req, res) =>
          void res.stream({
            headers: { 'content-type': 'text/event-stream' },
            chunks: [`data: ${JSON.stringify(chunk({ role: 'assistant', content: `${sentence} ` }))}\n\n`],
            then: 'hang',
          }),
        say('Margherita and diavola.'),
      ],
      agent: { interruptionMinMs: 0, interruptionGraceMs: 0 },
      hangFirstTts: true,
    });
    timerCensus.install();
    const call = await simulator.inboundCall();
    // One second of speech: the fake STT answers its final as the caller stops talking.
    const speech = loadFixture('book-a-table', 'mulaw-8k').bytes.subarray(0, 8000);
    await call.sendAudio(speech);
    // 720 ms of agent audio in total; interrupt once about 300 ms of it reached the caller.
    await waitFor(() => call.receivedMs() >= 300, 5_000);
    deepgram.send({ type: 'SpeechStarted', channel: [0], timestamp: 1.5 });
    await waitFor(() => call.clears.items.length === 1, 2_000);
    const framesAtClear = call.media.items.length;
    // Both requests were still open (the LLM mid-reply, the TTS mid-synthesis): their sockets are closed.
    await Promise.all([openai.requests[0]?.clientClosed, cartesia.requests[0]?.clientClosed]);
    expect(openai.requests[0]?.clientAborted).toBe(true);
    expect(cartesia.requests[0]?.clientAborted).toBe(true);
    expect(cartesia.texts).toEqual([sentence]);

    await call.sendAudio(speech);
    await waitFor(() => openai.bodies.length === 2, 5_000);
    const history = openai.bodies[1]!.messages;
    const heard = history[1]!;
    expect(history.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(heard.role).toBe('assistant');
    expect(sentence.startsWith(heard.content)).toBe(true);
    expect(heard.content.length).toBeGreaterThan(5);
    expect(heard.content.length).toBeLessThan(sentence.length * 0.8);
    // The words heard match the frames played (10 ms of audio per character, 20 ms per frame).
    expect(Math.abs(heard.content.length - framesAtClear * 2)).toBeLessThan(20);
    expect(call.violations).toEqual([]);
    // Aborted requests, the cut reply and the next turn leave no timer behind once the call ends.
    await call.stop();
    await waitFor(() => ends.length === 1, 5_000);
    await expectNoTimersLeft();
  });

  it('a local tool call streamed in fragments is assembled, validated, run, fed back, and the follow-up is spoken', async () => {
    // Fixture 2 of the OpenAI notes, after a first call whose arguments fail the schema.
    const toolCall = (id: string, argParts: string[]): ChatScript => (_req, res) =>
      void res.sse([
        chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id, type: 'function', function: { name: 'book_table', arguments: '' } }] }),
        ...argParts.map((part) => chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] })),
        chunk({}, 'tool_calls'),
        usage,
        '[DONE]',
      ]);
    const booked: unknown[] = [];
    const { openai, cartesia, ends, simulator } = await startPipelineServer({
      scripts: [toolCall('call_bad', ['{"da', 'y":5}']), toolCall('call_Xq7bK2mP9vL4', ['{"da', 'y":"Mon', 'day"}']), say('Sure', ', booked', '.')],
      agent: {
        tools: [
          {
            name: 'book_table',
            description: 'Book a restaurant table',
            parameters: { type: 'object', properties: { day: { type: 'string' } }, required: ['day'], additionalProperties: false },
            handler: (args: { day: string }, ctx) => {
              booked.push({ ...args, callId: ctx.call.callId });
              return { ok: true, ref: 'B-42' };
            },
          },
        ],
      },
    });
    const call = await simulator.inboundCall();
    await call.sendAudio(loadFixture('book-a-table', 'mulaw-8k').bytes);
    await waitFor(() => call.receivedAudio().length >= 'Sure, booked.'.length * 80 && playedSentences(call) >= 1, 8_000);

    expect(booked).toEqual([{ day: 'Monday', callId: call.callSid }]);
    expect(openai.bodies[0]?.tools?.map((t) => t.function.name)).toEqual(['book_table', 'transfer_call', 'end_call']);
    const invalid = openai.bodies[1]?.messages.slice(-2) as unknown[];
    expect(invalid[0]).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_bad', type: 'function', function: { name: 'book_table', arguments: '{"day":5}' } }],
    });
    expect(invalid[1]).toMatchObject({ role: 'tool', tool_call_id: 'call_bad' });
    expect(JSON.parse((invalid[1] as { content: string }).content).error).toMatch(/^invalid arguments: day/);
    // Request 2 of the fixture: the assembled call and its result, in the Chat Completions shape.
    expect(openai.bodies[2]?.messages.slice(-2)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_Xq7bK2mP9vL4', type: 'function', function: { name: 'book_table', arguments: '{"day":"Monday"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_Xq7bK2mP9vL4', content: '{"ok":true,"ref":"B-42"}' },
    ]);
    expect(cartesia.texts).toEqual(['Sure, booked.']);
    expect(call.receivedAudio().filter((b) => b === 0x2a).length).toBe('Sure, booked.'.length * 80);

    await call.stop();
    await waitFor(() => ends.length === 1, 5_000);
    expect(ends[0]?.transcript.map((e) => `${e.role}: ${e.text}`)).toEqual([`user: ${HEARD}`, 'assistant: Sure, booked.']);
    expect(ends[0]?.usage.openai).toMatchObject({ inputTokens: 90, outputTokens: 24 });
  });

  it('a tool call streamed in fragments: transfer_call reaches Twilio as a <Dial> once the agent finished speaking', async () => {
    const { openai, api, ends, simulator } = await startPipelineServer({
      scripts: [callTool('One moment, transferring you. ', 'transfer_call', ['{"num', 'ber":"+1415', '5550000"}'])],
      agent: { transferAllowlist: ['+1415555*'] },
    });
    const call = await simulator.inboundCall();
    api.addCall(call.callSid);
    await call.sendAudio(loadFixture('book-a-table', 'mulaw-8k').bytes);
    const update = await api.updates.next(8_000);
    expect(update.callSid).toBe(call.callSid);
    expect(update.form.get('Twiml')).toMatch(/<Dial[^>]*>\s*<Number>\+14155550000<\/Number>\s*<\/Dial>|<Dial[^>]*>\+14155550000<\/Dial>/);
    // The whole sentence had been sent before the transfer.
    expect(call.receivedAudio().filter((b) => b === 0x2a).length).toBe('One moment, transferring you.'.length * 80);
    expect(openai.bodies[0]?.tools?.map((t) => t.function.name)).toEqual(['transfer_call', 'end_call']);
    await waitFor(() => ends.length === 1, 5_000);
    expect(ends[0]?.reason).toBe('transfer');
  });

  it('end_call: the goodbye plays to the end, then Twilio gets the hangup', async () => {
    const { api, ends, simulator } = await startPipelineServer({
      scripts: [callTool('Thanks for calling, goodbye! ', 'end_call', ['{', '}'])],
    });
    const call = await simulator.inboundCall();
    api.addCall(call.callSid);
    await call.sendAudio(loadFixture('book-a-table', 'mulaw-8k').bytes);
    const update = await api.updates.next(8_000);
    expect(update.form.get('Status')).toBe('completed');
    // Every mark (the sentence's, the drain's) had echoed as played before the hangup.
    expect(call.marks.items.length).toBeGreaterThanOrEqual(1);
    expect(call.marks.items.every((m) => !m.discarded)).toBe(true);
    expect(call.receivedAudio().filter((b) => b === 0x2a).length).toBe('Thanks for calling, goodbye!'.length * 80);
    await waitFor(() => ends.length === 1, 5_000);
    expect(ends[0]?.reason).toBe('agent_hangup');
  });
});
