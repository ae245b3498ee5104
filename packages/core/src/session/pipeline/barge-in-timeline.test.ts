import { afterEach, describe, expect, it } from 'vitest';
import { createCallSession } from '../create-call-session.js';
import { openLoopbackCall, type LoopbackCall } from '../loopback-call.js';
import { FakeLLM, FakeSTT, FakeTTS, until, voicedFrame } from '../testing-fakes.js';

let open: LoopbackCall | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

// FakeTTS speaks 1 ms per character: 30 ms, 50 ms and 30 ms of audio, each ending in a partial frame.
const S1 = 'Aaaa bbbb cccc dddd eeee ffff.';
const S2 = 'Gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp.';
const S3 = 'Qqqq rrrr ssss tttt uuuu vvvv.';

describe('barge-in on the transport timeline', () => {
  it('a reply of sentences ending in partial frames is cut exactly where the carrier played it: history, transcript and heardShare', async () => {
    // A real transport on a clock the test moves; a long lead, so all the reply's audio is sent at once.
    open = await openLoopbackCall();
    const { transport, clock, marks } = open;
    const stt = new FakeSTT();
    const llm = new FakeLLM([[{ type: 'text', text: `${S1} ${S2} ${S3}` }], [{ type: 'text', text: 'Sure.' }]]);
    const tts = new FakeTTS();
    const session = createCallSession({ transport, agent: { stt, llm, tts, interruptionMinMs: 0, interruptionGraceMs: 0 } });
    const bargeIns: number[] = [];
    session.on('bargeIn', (event) => bargeIns.push(event.heardShare));
    await open.start();
    await until(() => stt.streams.length === 1);
    for (let i = 0; i < 5; i++) open.hear(voicedFrame());
    await until(() => stt.last.frames.length === 5);
    stt.last.say('Tell me something.');
    // The heard mark after the first frame, then a mark after each sentence (then the drain's).
    await until(() => marks.includes('patter-3'));
    expect(tts.requests.map((r) => r.text)).toEqual([S1, S2, S3]);
    expect(transport.positionMs()).toBe(140); // S1 0–30 (+10 padding), S2 40–90 (+10), S3 100–130 (+10)
    const t0 = clock.now;
    expect(marks.slice(0, 4)).toEqual(['patter-heard-1', 'patter-1', 'patter-2', 'patter-3']);
    for (const name of marks.slice(0, 3)) open.echo(name); // heard, S1, S2
    await until(() => transport.playedMs() === 100);
    clock.now = t0 + 115; // and 15 ms more: half of S3
    stt.last.speechStarted();
    await until(() => bargeIns.length === 1);
    const heard = `${S1} ${S2} Qqqq rrrr ssss`;
    expect(bargeIns[0]).toBe(heard.length / `${S1} ${S2} ${S3}`.length);
    for (let i = 0; i < 5; i++) open.hear(voicedFrame());
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
