import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/logger.js';
import { openLoopbackCall, type LoopbackCall } from '../loopback-call.js';
import { FakeTTS, until } from '../testing-fakes.js';
import { UsageMeter } from '../usage/usage-meter.js';
import { SpeechOutput } from './speech-output.js';

let open: LoopbackCall | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

/** A real transport over a loopback socket, on a clock the test moves, its stream started. */
async function call(): Promise<LoopbackCall> {
  open = await openLoopbackCall();
  await open.start();
  return open;
}

// FakeTTS speaks 1 ms per character: 30 ms, 50 ms and 30 ms of audio, each ending in a partial frame.
const S1 = 'aaaa bbbb cccc dddd eeee ffff.';
const S2 = 'gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp.';
const S3 = 'qqqq rrrr ssss tttt uuuu vvvv.';

describe('SpeechOutput on the transport timeline', () => {
  it('the heard cut at barge-in is exactly what was played, though every sentence ends in a padded partial frame', async () => {
    const { transport, clock, marks, echo } = await call();
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
  });

  it('a sentence counts as played on its mark echo even when the clock lags behind it', async () => {
    const { transport, marks, echo } = await call();
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
  });
});
