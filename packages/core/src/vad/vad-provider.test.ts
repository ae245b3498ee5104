import { describe, expect, it } from 'vitest';
import { durationMs, type AudioFormat } from '../audio/audio-format.js';
import { createCallSession } from '../session/create-call-session.js';
import { FakeLLM, FakeSTT, FakeTransport, FakeTTS, until, voicedFrame } from '../session/testing-fakes.js';
import type { VoiceActivity, VoiceActivityDetector, VoiceActivityDetectorOptions } from '../session/turns/voice-activity-detector.js';
import type { VADProvider } from './vad-provider.js';

/** A detector that hears speech only in frames whose first byte is 0x42 (a stand-in for a model). */
class MarkerVAD implements VADProvider {
  readonly key = 'marker';
  readonly made: { format: AudioFormat; options: VoiceActivityDetectorOptions | undefined; closed: boolean }[] = [];

  create(format: AudioFormat, options?: VoiceActivityDetectorOptions): VoiceActivityDetector {
    const record = { format, options, closed: false };
    this.made.push(record);
    let speaking = false;
    const detector = {
      speaking: false,
      lastVoiced: false,
      lastFrameMs: 0,
      lastRms: 0,
      push(frame: Uint8Array): VoiceActivity {
        detector.lastFrameMs = durationMs(format, frame.length);
        detector.lastVoiced = frame[0] === 0x42;
        detector.lastRms = detector.lastVoiced ? 0.1 : 0;
        const was = speaking;
        speaking = detector.lastVoiced;
        detector.speaking = speaking;
        return speaking && !was ? 'speechStart' : !speaking && was ? 'speechEnd' : 'none';
      },
      close: () => void (record.closed = true),
    };
    return detector;
  }
}
const speechFrame = () => new Uint8Array(160).fill(0x42);

describe('agent `vad`', () => {
  it('replaces the energy detector for barge-in: loud noise it rejects does not interrupt, speech it hears does; closed at call end', async () => {
    const vad = new MarkerVAD();
    const transport = new FakeTransport();
    const stt = new FakeSTT();
    const llm = new FakeLLM([[{ type: 'text', text: 'Hello there, this is a long first sentence for you. ' }, { type: 'text', text: 'And a second. ' }]]);
    const tts = new FakeTTS();
    const session = createCallSession({ transport, agent: { stt, llm, tts, vad, interruptionGraceMs: 0, interruptionMinMs: 200, endpointingMs: 500 } });
    transport.start();
    await until(() => stt.streams.length === 1);
    expect(vad.made).toHaveLength(1);
    expect(vad.made[0]?.format).toEqual(transport.format);
    expect(vad.made[0]?.options?.silenceMs).toBe(500);
    for (let i = 0; i < 5; i++) transport.hear(speechFrame());
    for (let i = 0; i < 15; i++) transport.hear(new Uint8Array(160).fill(0xff));
    stt.last.say('Tell me something.');
    await until(() => transport.count('mark') >= 1);

    // 600 ms of loud noise (the energy detector would call it voice): no barge-in.
    for (let i = 0; i < 30; i++) transport.hear(voicedFrame());
    expect(transport.count('clear')).toBe(0);
    // 200 ms of what the detector hears as speech: barge-in.
    for (let i = 0; i < 10; i++) transport.hear(speechFrame());
    expect(transport.count('clear')).toBe(1);
    await session.end('agent_hangup');
    expect(vad.made[0]?.closed).toBe(true);
  });

  it('without `vad` the energy detector is used: the same loud noise interrupts', async () => {
    const transport = new FakeTransport();
    const stt = new FakeSTT();
    const llm = new FakeLLM([[{ type: 'text', text: 'Hello there, this is a long first sentence for you. ' }]]);
    const tts = new FakeTTS();
    const session = createCallSession({ transport, agent: { stt, llm, tts, interruptionGraceMs: 0, interruptionMinMs: 200 } });
    transport.start();
    await until(() => stt.streams.length === 1);
    for (let i = 0; i < 5; i++) transport.hear(voicedFrame());
    for (let i = 0; i < 15; i++) transport.hear(new Uint8Array(160).fill(0xff));
    stt.last.say('Tell me something.');
    await until(() => transport.count('mark') >= 1);
    for (let i = 0; i < 30; i++) transport.hear(voicedFrame());
    expect(transport.count('clear')).toBe(1);
    await session.end('agent_hangup');
  });

  it('tells the detector it is needed only while the agent speaks, unless the VAD ends the turns', async () => {
    const needs: boolean[] = [];
    const spy: VADProvider = {
      key: 'spy',
      create: (format, options) => Object.assign(new MarkerVAD().create(format, options), { setNeeded: (n: boolean) => void needs.push(n) }),
    };
    const transport = new FakeTransport();
    const stt = new FakeSTT();
    const llm = new FakeLLM([[{ type: 'text', text: 'Hello there, this is a long first sentence for you. ' }]]);
    const session = createCallSession({ transport, agent: { stt, llm, tts: new FakeTTS(), vad: spy } });
    transport.start();
    await until(() => stt.streams.length === 1);
    transport.hear(speechFrame());
    expect(needs.at(-1)).toBe(false);
    for (let i = 0; i < 4; i++) transport.hear(speechFrame());
    stt.last.say('Tell me something.');
    await until(() => transport.count('mark') >= 1);
    transport.hear(new Uint8Array(160).fill(0xff));
    expect(needs.at(-1)).toBe(true);
    await session.end('agent_hangup');

    const vadTurns: boolean[] = [];
    const turnsSpy: VADProvider = {
      key: 'spy',
      create: (format, options) => Object.assign(new MarkerVAD().create(format, options), { setNeeded: (n: boolean) => void vadTurns.push(n) }),
    };
    const other = new FakeTransport();
    const stt2 = new FakeSTT();
    const session2 = createCallSession({ transport: other, agent: { stt: stt2, llm, tts: new FakeTTS(), vad: turnsSpy, turnDetection: 'vad' } });
    other.start();
    await until(() => stt2.streams.length === 1);
    for (let i = 0; i < 5; i++) other.hear(speechFrame());
    expect(vadTurns).toEqual([]);
    await session2.end('agent_hangup');
  });
});
