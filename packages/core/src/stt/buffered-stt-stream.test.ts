import { describe, expect, it } from 'vitest';
import { PCM16_8K } from '../audio/audio-format.js';
import { ProviderError } from '../errors/provider-error.js';
import { BufferedSTTStream, type BufferedTranscriptionEvent, type BufferedUtterance } from './buffered-stt-stream.js';
import type { Transcript } from './transcript.js';

/** 20 ms of 8 kHz PCM16: a tone at `amplitude`, or digital silence. */
function frames(ms: number, amplitude: number): Uint8Array[] {
  return Array.from({ length: ms / 20 }, () => {
    const frame = new Uint8Array(320);
    const view = new DataView(frame.buffer);
    for (let i = 0; i < 160; i++) view.setInt16(i * 2, Math.round(amplitude * Math.sin(i / 3)), true);
    return frame;
  });
}

function open(transcribe: (u: BufferedUtterance) => AsyncIterable<BufferedTranscriptionEvent>, tuning = {}) {
  const stream = new BufferedSTTStream({ provider: 'memory', format: PCM16_8K, transcribe, tuning, retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1 } });
  const out: Transcript[] = [];
  const done = (async () => {
    for await (const t of stream.transcripts()) out.push(t);
  })();
  const say = (...parts: [number, number][]) => {
    for (const [ms, amplitude] of parts) for (const frame of frames(ms, amplitude)) stream.sendAudio(frame);
  };
  return { stream, out, done, say };
}

describe('BufferedSTTStream', () => {
  it('transcribes utterances in order, one request at a time, even when the first is slower', async () => {
    const durations: number[] = [];
    let inFlight = 0;
    const { stream, out, done, say } = open(async function* (u) {
      inFlight++;
      expect(inFlight).toBe(1);
      durations.push(Math.round(u.durationMs));
      await new Promise((resolve) => setTimeout(resolve, durations.length === 1 ? 60 : 0));
      inFlight--;
      yield { type: 'final', text: durations.length === 1 ? 'First.' : 'Second.' };
    });
    say([400, 6000]);
    stream.finalize();
    say([400, 6000]);
    stream.finalize();
    await stream.close();
    await done;
    expect(out.map((t) => t.text)).toEqual(['First.', 'Second.']);
    expect(durations).toEqual([400, 400]); // speech only: no silence to keep as a tail
  });

  it('sends an utterance longer than maxUtteranceMs in pieces: final but not speechFinal', async () => {
    const sizes: number[] = [];
    const { stream, out, done, say } = open(async function* (u) {
      sizes.push(u.wav.byteLength - 44);
      yield { type: 'final', text: `part ${sizes.length}` };
    }, { maxUtteranceMs: 1000 });
    say([2500, 6000]);
    await stream.close();
    await done;
    expect(sizes).toEqual([16000, 16000, 8000]);
    expect(out.map((t) => [t.text, t.isFinal, t.speechFinal])).toEqual([
      ['part 1', true, false],
      ['part 2', true, false],
      ['part 3', true, true],
    ]);
  });

  it('shows streamed deltas as interims only for clearly spoken utterances', async () => {
    let n = 0;
    const { stream, out, done, say } = open(async function* () {
      const name = ++n === 1 ? 'Ann' : 'Bob';
      yield { type: 'delta', text: 'Hi' };
      yield { type: 'delta', text: ` ${name}.` };
      yield { type: 'final', text: `Hi ${name}.` };
    });
    say([140, 6000], [300, 0]);
    stream.finalize();
    say([600, 6000]);
    stream.finalize();
    await stream.close();
    await done;
    // 140 ms of speech: no interims (the filter could still have dropped the final); 600 ms: interims.
    expect(out.map((t) => [t.text, t.isFinal])).toEqual([
      ['Hi Ann.', true],
      ['Hi', false],
      ['Hi Bob.', false],
      ['Hi Bob.', true],
    ]);
  });

  it('retries a retryable failure, then drops only that utterance; a fatal one fails the stream', async () => {
    let calls = 0;
    const { stream, out, done, say } = open(async function* () {
      calls++;
      if (calls <= 2) throw new ProviderError('memory', 'overloaded', { retryable: true });
      if (calls === 3) {
        yield { type: 'final', text: 'Kept.' };
        return;
      }
      throw new ProviderError('memory', 'bad request', { retryable: false, status: 400 });
    });
    say([400, 6000]);
    stream.finalize();
    say([400, 6000]);
    stream.finalize();
    say([400, 6000]);
    stream.finalize();
    const error = await done.catch((e: unknown) => e);
    expect(out.map((t) => t.text)).toEqual(['Kept.']);
    expect(error).toMatchObject({ status: 400 });
    expect(calls).toBe(4);
    await stream.close();
  });
});
