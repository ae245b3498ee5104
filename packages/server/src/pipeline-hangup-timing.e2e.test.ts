import { CartesiaTTS } from '@patter/cartesia';
import { createConsoleLogger } from '@patter/core';
import { DeepgramSTT } from '@patter/deepgram';
import { OpenAILLM } from '@patter/openai';
import { FakeHttpServer, FakeTwilioApi, FakeWebSocketServer, loadFixture, TwilioSimulator, type FakeHttpResponse } from '@patter/testing';
import { Twilio } from '@patter/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { Patter } from './patter.js';
import { playoutEnd, toolTimedOut, type LogLine } from './test-support/engine-server.js';
import { waitFor } from './test-support/test-server.js';

// Pipeline mode's end_call / transfer_call, timed against the Twilio simulator's playback: the
// call ends (or is transferred) once the agent's last words have played, not a timeout later.
// Real Deepgram, OpenAI and Cartesia plugins, each against a loopback fake of its protocol.

const ACCOUNT_SID = 'AC' + 'd4'.repeat(16);
const AUTH_TOKEN = 'twilio-auth-token-for-hangup-timing';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Deepgram `/v1/listen`: one final (speech_final) once a second of caller audio has arrived. */
async function fakeDeepgram(): Promise<string> {
  const server = await FakeWebSocketServer.start({
    path: '/v1/listen',
    onUpgrade: (req) => (req.headers.authorization === 'Token dg-key' ? undefined : { reject: { status: 401 } }),
    onConnection: (conn) => {
      let bytes = 0;
      let sent = false;
      conn.socket.on('message', (data, isBinary) => {
        if (!isBinary) {
          if ((JSON.parse(String(data)) as { type?: string }).type === 'CloseStream') void conn.close(1000);
          return;
        }
        bytes += (data as Buffer).byteLength;
        if (sent || bytes < 8000) return;
        sent = true;
        const alternatives = [{ transcript: 'That is all, thanks.', confidence: 0.98, words: [] }];
        void conn.send({ type: 'Results', is_final: true, speech_final: true, start: 0, duration: 1, channel: { alternatives } });
      });
    },
  });
  closers.push(() => server.close());
  return server.url;
}

const chunk = (delta: object, finish: string | null = null) => ({
  id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }],
});

/** OpenAI chat completions: says `text`, then calls `tool` with `args` (streamed in fragments). */
async function fakeOpenAI(text: string, tool: string, args: string): Promise<string> {
  const server = await FakeHttpServer.start({
    'POST /v1/chat/completions': (req, res: FakeHttpResponse) => {
      if (req.header('authorization') !== 'Bearer oa-key') return res.json(401, { error: { message: 'bad key' } });
      const half = Math.ceil(args.length / 2);
      void res.sse([
        chunk({ role: 'assistant', content: text }),
        chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: tool, arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(0, half) } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(half) } }] }),
        chunk({}, 'tool_calls'),
        '[DONE]',
      ]);
    },
  });
  closers.push(() => server.close());
  return `${server.url}/v1`;
}

/** Cartesia `/tts/bytes`: 10 ms of μ-law per character, sent at once (faster than real time). */
async function fakeCartesia(): Promise<string> {
  const server = await FakeHttpServer.start({
    'POST /tts/bytes': (req, res) => {
      if (req.header('authorization') !== 'Bearer ca-key') return res.json(401, { error: 'bad key' });
      const body = req.json() as { transcript: string };
      const audio = new Uint8Array(body.transcript.length * 80).fill(0x2a);
      void res.stream({ headers: { 'content-type': 'application/octet-stream' }, chunks: [audio.subarray(0, 400), audio.subarray(400)], then: 'end' });
    },
  });
  closers.push(() => server.close());
  return server.url;
}

async function pipelineCall(text: string, tool: string, args: string) {
  const [deepgram, openai, cartesia, api] = await Promise.all([
    fakeDeepgram(),
    fakeOpenAI(text, tool, args),
    fakeCartesia(),
    new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start(),
  ]);
  closers.push(() => api.close());
  const logs: LogLine[] = [];
  const ends: { reason: string }[] = [];
  const phone = new Patter({
    carrier: new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }),
    phoneNumber: '+14155550199',
    logger: createConsoleLogger({ level: 'debug', write: (line) => void logs.push(JSON.parse(line) as LogLine) }),
  });
  const agent = phone.agent({
    stt: new DeepgramSTT({ apiKey: 'dg-key', baseUrl: deepgram }),
    llm: new OpenAILLM({ apiKey: 'oa-key', baseUrl: openai }),
    tts: new CartesiaTTS({ apiKey: 'ca-key', baseUrl: cartesia }),
    transferAllowlist: ['+1415555*'],
  });
  const handle = await phone.serve({ agent, port: 0, host: '127.0.0.1', shutdownSignals: false, onCallEnd: (summary) => void ends.push(summary) });
  closers.push(() => handle.close({ timeoutMs: 0 }));
  const simulator = new TwilioSimulator({ serverUrl: handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
  const call = await simulator.inboundCall();
  api.addCall(call.callSid);
  void call.sendAudio(loadFixture('book-a-table', 'mulaw-8k').bytes.subarray(0, 8000 + 1600));
  const update = await api.updates.next(40_000);
  const at = performance.now();
  return { call, update, at, logs, ends };
}


describe('pipeline mode: end_call and transfer_call after the last words', () => {
  it('end_call: Twilio gets the hangup within the goodbye playout + 1 s (reason agent_hangup), no tool timeout', async () => {
    const sentences = ['Thanks for calling Luigi, we will see you on Friday at eight.', 'Goodbye!'];
    const { call, update, at, logs, ends } = await pipelineCall(sentences.join(' '), 'end_call', '{"reason":"done"}');
    expect(update.form.get('Status')).toBe('completed');
    // Both sentences were synthesized and sent (the TTS gets each sentence on its own).
    expect(call.receivedAudio().filter((b) => b === 0x2a).length).toBe(sentences.join('').length * 80);
    const played = playoutEnd(call.media.items);
    expect(at).toBeGreaterThanOrEqual(played - 50);
    expect(at - played).toBeLessThan(1000);
    await waitFor(() => ends.length === 1, 5_000);
    expect(ends[0]?.reason).toBe('agent_hangup');
    expect(toolTimedOut(logs)).toBe(false);
    expect(call.violations).toEqual([]);
  });

  it('transfer_call: Twilio gets the <Dial> within the playout + 1 s of "transferring you" (reason transfer), no tool timeout', async () => {
    const words = 'One moment please, I am transferring you to our manager now.';
    const { call, update, at, logs, ends } = await pipelineCall(words, 'transfer_call', '{"number":"+14155550000"}');
    expect(update.form.get('Twiml')).toMatch(/<Dial[^>]*>\s*(<Number>)?\+14155550000(<\/Number>)?\s*<\/Dial>/);
    expect(call.receivedAudio().filter((b) => b === 0x2a).length).toBe(words.length * 80);
    const played = playoutEnd(call.media.items);
    expect(at).toBeGreaterThanOrEqual(played - 50);
    expect(at - played).toBeLessThan(1000);
    await waitFor(() => ends.length === 1, 5_000);
    expect(ends[0]?.reason).toBe('transfer');
    expect(toolTimedOut(logs)).toBe(false);
  });
});
