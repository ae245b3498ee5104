import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { MULAW_8K } from '../../audio/audio-format.js';
import type { MediaStreamCodec, MediaStreamMessage } from '../../carrier/media-stream-codec.js';
import { StreamCallTransport } from '../../carrier/stream-call-transport.js';
import { silentLogger } from '../../log/logger.js';
import { WebSocket } from '../../net/connect-web-socket.js';
import { createCallSession } from '../create-call-session.js';
import { FakeLLM, FakeSTT, FakeTTS, until, voicedFrame } from '../testing-fakes.js';

/** A Twilio-like JSON wire format, as a carrier's codec would decode it. */
const codec: MediaStreamCodec = {
  decode(text): MediaStreamMessage {
    const m = JSON.parse(text) as { event: string; name?: string; payload?: string };
    if (m.event === 'start') return { type: 'start', streamId: 'MZ1', callId: 'CA1', parameters: {} };
    if (m.event === 'media') return { type: 'media', streamId: 'MZ1', track: 'inbound', chunk: undefined, payload: String(m.payload) };
    if (m.event === 'mark') return { type: 'mark', streamId: 'MZ1', name: String(m.name) };
    return { type: 'unknown', event: m.event };
  },
  encodeMedia: (_sid, payload) => JSON.stringify({ event: 'media', payload }),
  encodeMark: (_sid, name) => JSON.stringify({ event: 'mark', name }),
  encodeClear: () => JSON.stringify({ event: 'clear' }),
};

let server: WebSocketServer | undefined;
afterEach(() => server?.close());

// FakeTTS speaks 1 ms per character: 30 ms, 50 ms and 30 ms of audio, each ending in a partial frame.
const S1 = 'Aaaa bbbb cccc dddd eeee ffff.';
const S2 = 'Gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp.';
const S3 = 'Qqqq rrrr ssss tttt uuuu vvvv.';

describe('barge-in on the transport timeline', () => {
  it('a reply of sentences ending in partial frames is cut exactly where the carrier played it: history, transcript and heardShare', async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    const accepted = once(server, 'connection');
    const carrier = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const [socket] = (await accepted) as [WebSocket];
    await once(carrier, 'open');
    // A clock the test moves; a long lead, so all the reply's audio is sent at once.
    const clock = { now: 1_000 };
    const transport = new StreamCallTransport(socket, {
      carrier: 'test',
      format: MULAW_8K,
      codec,
      context: { callRef: 'ref-1', logger: silentLogger, direction: 'inbound' },
      commands: { hangup: async () => {}, transfer: async () => {} },
      leadMs: 10_000,
      now: () => clock.now,
    });
    const marks: string[] = [];
    carrier.on('message', (data) => {
      const m = JSON.parse(String(data)) as { event: string; name?: string };
      if (m.event === 'mark') marks.push(String(m.name));
    });
    const stt = new FakeSTT();
    const llm = new FakeLLM([[{ type: 'text', text: `${S1} ${S2} ${S3}` }], [{ type: 'text', text: 'Sure.' }]]);
    const tts = new FakeTTS();
    const session = createCallSession({ transport, agent: { stt, llm, tts, interruptionMinMs: 0, interruptionGraceMs: 0 } });
    const bargeIns: number[] = [];
    session.on('bargeIn', (event) => bargeIns.push(event.heardShare));
    carrier.send(JSON.stringify({ event: 'start' }));
    await until(() => stt.streams.length === 1);
    const payload = Buffer.from(voicedFrame()).toString('base64');
    for (let i = 0; i < 5; i++) carrier.send(JSON.stringify({ event: 'media', payload }));
    await until(() => stt.last.frames.length === 5);
    stt.last.say('Tell me something.');
    // The heard mark after the first frame, then a mark after each sentence (then the drain's).
    await until(() => marks.includes('patter-3'));
    expect(tts.requests.map((r) => r.text)).toEqual([S1, S2, S3]);
    expect(transport.positionMs()).toBe(140); // S1 0–30 (+10 padding), S2 40–90 (+10), S3 100–130 (+10)
    const t0 = clock.now;
    expect(marks.slice(0, 4)).toEqual(['patter-heard-1', 'patter-1', 'patter-2', 'patter-3']);
    for (const name of marks.slice(0, 3)) carrier.send(JSON.stringify({ event: 'mark', name })); // heard, S1, S2
    await until(() => transport.playedMs() === 100);
    clock.now = t0 + 115; // and 15 ms more: half of S3
    stt.last.speechStarted();
    await until(() => bargeIns.length === 1);
    const heard = `${S1} ${S2} Qqqq rrrr ssss`;
    expect(bargeIns[0]).toBe(heard.length / `${S1} ${S2} ${S3}`.length);
    for (let i = 0; i < 5; i++) carrier.send(JSON.stringify({ event: 'media', payload }));
    await until(() => stt.last.frames.length === 10);
    stt.last.say('Wait.');
    await until(() => llm.requests.length === 2);
    expect(llm.requests[1]?.messages.slice(-2)).toEqual([
      { role: 'assistant', content: heard },
      { role: 'user', content: 'Wait.' },
    ]);
    const ended = session.ended;
    await session.end('agent_hangup');
    expect((await ended).transcript.map((e) => e.text)).toContain(heard);
  });
});
