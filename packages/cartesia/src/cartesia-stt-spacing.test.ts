import { PCM16_16K, type Transcript } from '@patter/core';
import { FakeWebSocketServer, runSTTCallEnd } from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { CartesiaSTT } from './index.js';

// protocols/stt/cartesia.md §5: each `transcript.text` is a delta since the last final; the full
// text is the is_final chunks concatenated without trimming or inserted spaces (a later chunk
// starts with its own space). The fake answers like that: "Hello there." then " General Kenobi.".

const KEY = 'test-key';
const REQUEST_ID = '7c1e2d3f-0a4b-4c5d-8e9f-112233445566';
const DELTAS = ['Hello there.', ' General Kenobi.'];

const servers: FakeWebSocketServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function fakeCartesia(firstDelta = 0): Promise<FakeWebSocketServer> {
  const server = await FakeWebSocketServer.start({
    path: '/stt/websocket',
    onUpgrade: (req) => (req.headers['x-api-key'] === KEY && req.headers['cartesia-version'] ? undefined : { reject: { status: 401 } }),
    onConnection: (conn) => {
      const ws = conn.socket;
      let finals = firstDelta;
      let audioMessages = 0;
      const send = (text: string, isFinal: boolean) =>
        ws.send(JSON.stringify({ type: 'transcript', request_id: REQUEST_ID, text, is_final: isFinal, duration: 1, language: 'en', words: [] }));
      const final = () => send(DELTAS[finals++ % DELTAS.length] ?? '', true);
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        // The first preview is whitespace only (nothing to show), later ones carry a word.
        if (isBinary) return void send(audioMessages++ === 0 ? ' ' : 'Hello', false);
        const command = data.toString();
        if (command === 'finalize') {
          final();
          return void ws.send(JSON.stringify({ type: 'flush_done', request_id: REQUEST_ID }));
        }
        if (command === 'done' || command === 'close') {
          while (finals < DELTAS.length) final();
          ws.send(JSON.stringify({ type: 'done', request_id: REQUEST_ID }));
          return void setTimeout(() => ws.close(1000), 20);
        }
        ws.close(1008, 'unknown command');
      });
    },
  });
  servers.push(server);
  return server;
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('CartesiaSTT transcript spacing', () => {
  it('keeps each final delta raw (leading space included), so the finals concatenate to the text', async () => {
    const fake = await fakeCartesia();
    const stream = new CartesiaSTT({ apiKey: KEY, baseUrl: fake.url }).stream({ format: PCM16_16K });
    const items: Transcript[] = [];
    const done = (async () => {
      for await (const t of stream.transcripts()) items.push(t);
    })();
    await until(() => fake.connections.length === 1);
    stream.sendAudio(new Uint8Array(640));
    stream.finalize();
    await until(() => items.some((t) => t.isFinal));
    stream.sendAudio(new Uint8Array(640));
    stream.finalize();
    await until(() => items.filter((t) => t.isFinal).length === 2);
    await stream.close();
    await done;
    const finals = items.filter((t) => t.isFinal).map((t) => t.text);
    expect(finals).toEqual(['Hello there.', ' General Kenobi.']);
    expect(finals.join('')).toBe('Hello there. General Kenobi.');
    expect(items.filter((t) => !t.isFinal).map((t) => t.text)).toEqual(['Hello']);
  });

  it('the call transcript holds a leading-space delta without its leading space', async () => {
    const fake = await fakeCartesia(1); // the call's one final is the delta ' General Kenobi.'
    // Loud audio (a square wave): speech-level energy, so the finals are not taken for noise.
    const samples = new Int16Array(10 * 320).map((_, i) => (i % 40 < 20 ? 8000 : -8000));
    const audio = new Uint8Array(samples.buffer);
    const summary = await runSTTCallEnd(new CartesiaSTT({ apiKey: KEY, baseUrl: fake.url }), {
      format: PCM16_16K,
      audio,
      frameBytes: 640,
      beforeHangup: () => until(() => (fake.connections[0]?.binaryBytes().length ?? 0) === audio.length),
    });
    expect(summary.transcript.map((t) => `${t.role}: ${t.text}`)).toEqual(['user: General Kenobi.']);
  });
});
