import { describe, expect, it } from 'vitest';
import { MULAW_8K } from '../audio/audio-format.js';
import { ProviderConnectionError } from '../errors/provider-error.js';
import type { STTProvider, STTStream } from '../stt/stt-provider.js';
import { transcript, type Transcript } from '../stt/transcript.js';
import { AsyncQueue } from '../util/async-queue.js';
import { FallbackSTT } from './fallback-stt.js';

/** An STT whose streams record the audio and let the test push events or fail them. */
function stt(key: string) {
  const streams: { audio: number[]; finalizes: number; events: AsyncQueue<Transcript>; closed: boolean }[] = [];
  const provider: STTProvider = {
    key,
    inputFormats: [MULAW_8K],
    stream(): STTStream {
      const s = { audio: [] as number[], finalizes: 0, events: new AsyncQueue<Transcript>(), closed: false };
      streams.push(s);
      return {
        sendAudio: (a) => void s.audio.push(...a),
        transcripts: () => s.events,
        finalize: () => void s.finalizes++,
        close: async () => {
          s.closed = true;
          s.events.end();
        },
        usage: () => ({ audioSeconds: s.audio.length / 8000 }),
      };
    },
  };
  return { provider, streams };
}
const frame = (v: number) => new Uint8Array(160).fill(v);

describe('FallbackSTT', () => {
  it('reopens on the next STT when the first fails, replaying the audio since the last final and a pending finalize', async () => {
    const a = stt('a');
    const b = stt('b');
    const fallback = new FallbackSTT([a.provider, b.provider], { recoveryMs: 60_000 });
    const stream = fallback.stream({ format: MULAW_8K });
    const heard: string[] = [];
    const reading = (async () => {
      for await (const t of stream.transcripts()) heard.push(t.text);
    })();
    stream.sendAudio(frame(1));
    stream.sendAudio(frame(2));
    const first = a.streams[0];
    if (!first) throw new Error('no stream');
    first.events.push(transcript({ text: 'first', isFinal: true, speechFinal: true }));
    await new Promise((r) => setTimeout(r, 0));
    stream.sendAudio(frame(3));
    stream.finalize();
    first.events.fail(new ProviderConnectionError('a', 'dropped'));
    await new Promise((r) => setTimeout(r, 0));
    const second = b.streams[0];
    if (!second) throw new Error('no fallback stream');
    // Only the audio a never finalized (frame 3) is replayed, then the pending finalize.
    expect(second.audio).toEqual([...frame(3)]);
    expect(second.finalizes).toBe(1);
    expect(first.closed).toBe(true);
    stream.sendAudio(frame(4));
    expect(second.audio.length).toBe(320);
    second.events.push(transcript({ text: 'second', isFinal: true, fromFinalize: true }));
    await new Promise((r) => setTimeout(r, 0));
    expect(heard).toEqual(['first', 'second']);
    expect(fallback.isHealthy(a.provider)).toBe(false);
    expect(stream.usage().audioSeconds).toBeCloseTo((480 + 320) / 8000);
    await stream.close();
    await reading;
    await fallback.close();
  });

  it('a second call after the failure opens on the healthy STT; all failing throws the last error', async () => {
    const a = stt('a');
    const b = stt('b');
    const fallback = new FallbackSTT([a.provider, b.provider], { recoveryMs: 60_000 });
    const one = fallback.stream({ format: MULAW_8K });
    const reading = (async () => {
      for await (const _ of one.transcripts()) void _;
    })();
    a.streams[0]?.events.fail(new ProviderConnectionError('a', 'refused'));
    await new Promise((r) => setTimeout(r, 0));
    const last = new ProviderConnectionError('b', 'refused too');
    b.streams[0]?.events.fail(last);
    await expect(reading).rejects.toBe(last);
    const two = fallback.stream({ format: MULAW_8K });
    // Both are down: the next call still tries them, in order.
    expect(a.streams).toHaveLength(2);
    await two.close();
    await fallback.close();
  });

  it('a final with word timings keeps the audio after its last word for the replay', async () => {
    const a = stt('a');
    const b = stt('b');
    const fallback = new FallbackSTT([a.provider, b.provider]);
    const stream = fallback.stream({ format: MULAW_8K });
    const reading = (async () => {
      for await (const _ of stream.transcripts()) void _;
    })().catch(() => {});
    stream.sendAudio(frame(1));
    stream.sendAudio(frame(2));
    // The vendor finalized "one" ending 10 ms into the stream: the rest is not covered yet.
    a.streams[0]?.events.push(transcript({ text: 'one', isFinal: true, words: [{ word: 'one', start: 0, end: 0.01 }] }));
    await new Promise((r) => setTimeout(r, 0));
    a.streams[0]?.events.fail(new ProviderConnectionError('a', 'dropped'));
    await new Promise((r) => setTimeout(r, 0));
    expect(b.streams[0]?.audio).toEqual([...frame(1).subarray(80), ...frame(2)]);
    expect(b.streams[0]?.finalizes).toBe(0);
    await stream.close();
    await reading;
    await fallback.close();
  });
});
