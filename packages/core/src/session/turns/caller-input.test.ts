import { describe, expect, it } from 'vitest';
import { createCallSession } from '../create-call-session.js';
import { FakeLLM, FakeSTT, FakeTransport, FakeTTS, settle, silentFrame, until, voicedFrame } from '../testing-fakes.js';

describe('turn detection default', () => {
  it('uses the session VAD for an STT without endpointing of its own (Whisper), finalizing it on silence', async () => {
    const transport = new FakeTransport();
    const stt = Object.assign(new FakeSTT(), { endpointing: false });
    const llm = new FakeLLM([[{ type: 'text', text: 'Sure.' }]]);
    const tts = new FakeTTS();
    createCallSession({ agent: { stt, llm, tts, endpointingMs: 200 }, transport });
    transport.start();
    await settle();
    for (let i = 0; i < 10; i++) transport.hear(voicedFrame());
    expect(stt.last.finalized).toBe(0);
    for (let i = 0; i < 12; i++) transport.hear(silentFrame());
    expect(stt.last.finalized).toBe(1);
    stt.last.say('a table for two', { speechFinal: false, fromFinalize: true });
    await until(() => llm.requests.length === 1);
    expect(llm.requests[0]?.messages.at(-1)).toEqual({ role: 'user', content: 'a table for two' });
  });
});
