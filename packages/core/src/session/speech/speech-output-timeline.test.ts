import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { MULAW_8K } from '../../audio/audio-format.js';
import type { MediaStreamCodec, MediaStreamMessage } from '../../carrier/media-stream-codec.js';
import { StreamCallTransport } from '../../carrier/stream-call-transport.js';
import { silentLogger } from '../../log/logger.js';
import { WebSocket } from '../../net/connect-web-socket.js';
import { FakeTTS, until } from '../testing-fakes.js';
import { UsageMeter } from '../usage/usage-meter.js';
import { SpeechOutput } from './speech-output.js';

/** A Twilio-like JSON wire format, as a carrier's codec would decode it. */
const codec: MediaStreamCodec = {
  decode(text): MediaStreamMessage {
    const m = JSON.parse(text) as { event: string; name?: string };
    if (m.event === 'start') return { type: 'start', streamId: 'MZ1', callId: 'CA1', parameters: {} };
    if (m.event === 'mark') return { type: 'mark', streamId: 'MZ1', name: String(m.name) };
    return { type: 'unknown', event: m.event };
  },
  encodeMedia: (_sid, payload) => JSON.stringify({ event: 'media', payload }),
  encodeMark: (_sid, name) => JSON.stringify({ event: 'mark', name }),
  encodeClear: () => JSON.stringify({ event: 'clear' }),
};

let server: WebSocketServer | undefined;
afterEach(() => server?.close());

/**
 * A real transport over a loopback socket, on a clock the test moves. The lead is long, so all
 * the audio is sent at once (at t0): the played position is then the clock's advance past t0,
 * never behind the marks the carrier echoed.
 */
async function call() {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const carrier = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const [socket] = (await accepted) as [WebSocket];
  await once(carrier, 'open');
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
  carrier.send(JSON.stringify({ event: 'start' }));
  await until(() => transport.info !== undefined);
  const echo = (name: string) => carrier.send(JSON.stringify({ event: 'mark', name }));
  return { transport, clock, marks, echo, close: () => transport.close() };
}

// FakeTTS speaks 1 ms per character: 30 ms, 50 ms and 30 ms of audio, each ending in a partial frame.
const S1 = 'aaaa bbbb cccc dddd eeee ffff.';
const S2 = 'gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp.';
const S3 = 'qqqq rrrr ssss tttt uuuu vvvv.';

describe('SpeechOutput on the transport timeline', () => {
  it('the heard cut at barge-in is exactly what was played, though every sentence ends in a padded partial frame', async () => {
    const { transport, clock, marks, echo, close } = await call();
    const speech = new SpeechOutput({ tts: new FakeTTS(), transport, logger: silentLogger, usage: new UsageMeter(), callId: () => 'CA1' });
    const utterance = speech.start(new AbortController().signal);
    for (const text of [S1, S2, S3]) utterance.say(text);
    await utterance.finish();
    // Played frames: S1 0–30 ms (+10 ms of padding before its mark), S2 40–90 (+10), S3 100–130 (+10).
    expect(transport.positionMs()).toBe(140);
    await until(() => marks.length === 3);
    const t0 = clock.now;

    echo(marks[0]!);
    await until(() => transport.playedMs() === 40);
    expect(utterance.playedText()).toBe(S1);
    clock.now = t0 + 65; // the first mark echoed and 25 ms more: half of S2
    expect(utterance.playedText()).toBe(`${S1} gggg hhhh iiii jjjj kkkk`);

    echo(marks[1]!);
    await until(() => transport.playedMs() === 100);
    clock.now = t0 + 105; // the second mark echoed and 5 ms more: a sixth of S3
    expect(utterance.playedText(2)).toBe('qqqq');
    clock.now = t0 + 115; // half of S3
    const heard = utterance.playedText();
    expect(heard).toBe(`${S1} ${S2} qqqq rrrr ssss`);
    expect(heard.length / utterance.sentText().length).toBe(96 / 112); // the barge-in's heardShare
    speech.clear(); // the barge-in
    expect(transport.positionMs()).toBe(0);
    clock.now = t0 + 200;
    expect(utterance.playedText()).toBe(`${S1} ${S2}`); // what was not echoed before the clear is not heard after it
    speech.close();
    close();
  });

  it('a sentence counts as played on its mark echo even when the clock lags behind it', async () => {
    const { transport, marks, echo, close } = await call();
    const speech = new SpeechOutput({ tts: new FakeTTS(), transport, logger: silentLogger, usage: new UsageMeter(), callId: () => 'CA1' });
    const utterance = speech.start(new AbortController().signal);
    utterance.say(S1);
    utterance.say(S2);
    await utterance.finish();
    await until(() => marks.length === 2);
    expect(utterance.playedText()).toBe('');
    echo(marks[1]!); // the later mark alone: marks echo in order, so both sentences were played
    await until(() => utterance.playedText() === `${S1} ${S2}`);
    speech.close();
    close();
  });
});
