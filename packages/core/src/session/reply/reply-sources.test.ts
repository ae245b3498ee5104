import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { AgentOptions } from '../../agent/agent-options.js';
import { createCallSession } from '../create-call-session.js';
import { FakeLLM, FakeSTT, FakeTransport, FakeTTS, until, voicedFrame } from '../testing-fakes.js';

async function caller(agent: Partial<AgentOptions>, words: string) {
  const transport = new FakeTransport();
  const stt = new FakeSTT();
  const tts = new FakeTTS();
  const session = createCallSession({ transport, agent: { stt, tts, ...agent } });
  transport.start();
  await until(() => stt.streams.length === 1);
  for (let i = 0; i < 5; i++) transport.hear(voicedFrame());
  stt.last.say(words);
  return { transport, stt, tts, session };
}

let server: Server | undefined;
let wss: WebSocketServer | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve()));
  server = undefined;
  wss = undefined;
});

describe('guardrails', () => {
  it('block or rewrite a sentence before TTS; the history holds what was said', async () => {
    const llm = new FakeLLM([
      [{ type: 'text', text: 'Your card is 4111 1111 1111 1111. I am a robot. Anything else?' }],
      [{ type: 'text', text: 'Fine.' }],
    ]);
    const { tts, stt, transport, session } = await caller(
      {
        llm,
        guardrails: [
          (s) => s.replace(/\d{4} \d{4} \d{4} (\d{4})/, 'ending in $1'),
          (s) => (/robot/i.test(s) ? null : undefined),
        ],
      },
      'What is my card?',
    );
    await until(() => tts.requests.length === 2);
    expect(tts.requests.map((r) => r.text)).toEqual(['Your card is ending in 1111.', 'Anything else?']);
    transport.playAll();
    for (let i = 0; i < 5; i++) transport.hear(voicedFrame());
    stt.last.say('No, that is all.');
    await until(() => llm.requests.length === 2);
    expect(llm.requests[1]?.messages[1]).toEqual({ role: 'assistant', content: 'Your card is ending in 1111. Anything else?' });
    await session.end('agent_hangup');
  });
});

describe('speakable output', () => {
  it('Markdown from the model is not read aloud; list items are spoken one by one', async () => {
    const llm = new FakeLLM([[{ type: 'text', text: '**Sure**, we have:\n- Pasta\n- *Pizza*' }]]);
    const { tts, session } = await caller({ llm }, 'What do you have?');
    await until(() => tts.requests.length === 3);
    expect(tts.requests.map((r) => r.text)).toEqual(['Sure, we have:', 'Pasta', 'Pizza']);
    await session.end('agent_hangup');
  });
});

describe('onMessage as a URL', () => {
  it('HTTP: POSTs the turn as JSON and speaks a streamed NDJSON answer', async () => {
    const bodies: unknown[] = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push({ method: req.method, type: req.headers['content-type'], body: JSON.parse(body) });
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write('{"text":"Our hours are "}\n');
        setTimeout(() => res.end('{"text":"9 to 5. Bye!"}\n'), 10);
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/agent`;
    const { tts, session } = await caller({ onMessage: url, variables: { shop: 'Acme' } }, 'Opening hours?');
    await until(() => tts.requests.length === 2);
    expect(tts.requests.map((r) => r.text)).toEqual(['Our hours are 9 to 5.', 'Bye!']);
    expect(bodies).toEqual([
      {
        method: 'POST',
        type: 'application/json',
        body: {
          type: 'message',
          text: 'Opening hours?',
          source: 'speech',
          callId: 'CA123',
          callRef: 'ref-1',
          history: [{ role: 'user', content: 'Opening hours?' }],
          variables: { shop: 'Acme' },
        },
      },
    ]);
    await session.end('agent_hangup');
  });

  it('WebSocket: one socket per call, text deltas then done; a barge-in sends cancel', async () => {
    const received: unknown[] = [];
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { type: string; text?: string };
        received.push(msg.type === 'message' ? { type: msg.type, text: msg.text } : msg);
        if (msg.type !== 'message') return;
        ws.send(JSON.stringify({ type: 'text', text: 'One moment. ' }));
        if (msg.text === 'first') ws.send(JSON.stringify({ type: 'text', text: 'Still thinking, ' }));
        else ws.send(JSON.stringify({ type: 'done' }));
      });
    });
    await new Promise<void>((resolve) => wss?.once('listening', () => resolve()));
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    const { tts, stt, transport, session } = await caller({ onMessage: url, interruptionMinMs: 0, interruptionGraceMs: 0 }, 'first');
    await until(() => tts.requests.length === 1);
    stt.last.speechStarted();
    await until(() => received.length === 2);
    expect(transport.count('clear')).toBe(1);
    for (let i = 0; i < 5; i++) transport.hear(voicedFrame());
    stt.last.say('second');
    await until(() => tts.requests.length === 2);
    expect(received).toEqual([{ type: 'message', text: 'first' }, { type: 'cancel' }, { type: 'message', text: 'second' }]);
    expect(wss.clients.size).toBe(1);
    await session.end('agent_hangup');
  });
});
