import { describe, expect, it } from 'vitest';
import { transcript } from '../../stt/transcript.js';
import type { STTStreamOptions } from '../../stt/stt-provider.js';
import { createCallSession } from '../create-call-session.js';
import { FakeLLM, FakeSTT, FakeSTTStream, FakeTransport, FakeTTS, settle, voicedFrame } from '../testing-fakes.js';

// The caller hangs up while words are in flight: the STT must be closed (its end-of-audio sent)
// before the call's signal aborts it, and the words the vendor finalizes on close belong in the
// transcript and history, without starting a reply on a call that is over.

/** A vendor that, on close, still finalizes the audio it holds (Deepgram CloseStream, Soniox end of audio …). */
class LateWordsStream extends FakeSTTStream {
  abortedAtClose: boolean | undefined;
  override async close(): Promise<void> {
    this.abortedAtClose = this.options.signal?.aborted ?? false;
    if (!this.abortedAtClose) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      this.queue.push(transcript({ text: 'and my booking number is', isFinal: true }));
      this.queue.push(transcript({ text: 'four two', isFinal: true, fromFinalize: true }));
    }
    await super.close();
  }
}

class LateWordsSTT extends FakeSTT {
  override stream(options: STTStreamOptions): LateWordsStream {
    const stream = new LateWordsStream(options);
    this.streams.push(stream);
    return stream;
  }
}

describe('call end with words in flight', () => {
  it('closes the STT before the abort and keeps its last words in the transcript, without a reply', async () => {
    const transport = new FakeTransport();
    const stt = new LateWordsSTT();
    const llm = new FakeLLM([]);
    const session = createCallSession({ agent: { stt, llm, tts: new FakeTTS() }, transport });
    transport.start();
    await settle();
    for (let i = 0; i < 10; i++) transport.hear(voicedFrame());
    // An interim is on screen; the final words are still at the vendor when the caller hangs up.
    (stt.last as LateWordsStream).queue.push(transcript({ text: 'and my booking', isFinal: false }));
    await settle();
    transport.stop('caller_hangup');
    const summary = await session.ended;
    expect((stt.last as LateWordsStream).abortedAtClose).toBe(false);
    expect(summary.transcript.map((t) => `${t.role}:${t.text}`)).toEqual(['user:and my booking number is four two']);
    expect(llm.requests).toHaveLength(0);
  });
});
