import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  MULAW_8K,
  PCM16_16K,
  ProviderAuthError,
  createSTT,
} from '@patter/core';
import { loadFixture, runSTTCallEnd } from '@patter/testing';
import { STT, SpeechmaticsSTT } from './index.js';
import {
  collect,
  EMPTY_PARTIAL,
  END_OF_UTTERANCE,
  fakeSpeechmatics,
  FINAL_HELLO_THERE,
  PARTIAL_HELLO,
  PARTIAL_HELLO_THERE,
  pcmFrame,
  until,
  word,
} from './test-support/fake-speechmatics.js';

// SpeechmaticsSTT against the strict loopback RT v2 server: the session it starts, transcripts,
// turn detection, a drop replayed since the last final, errors, options. The shared WebSocket-STT
// behaviours and the STT contract are in speechmatics-conformance.test.ts.

describe('SpeechmaticsSTT', () => {
  let fake: Awaited<ReturnType<typeof fakeSpeechmatics>> | undefined;
  afterEach(async () => {
    await fake?.close();
  });

  it('call end: the final sent after EndOfStream reaches the call transcript; the socket closes with 1000', async () => {
    fake = await fakeSpeechmatics((s, event, m) => {
      if (event === 'control' && m?.message === 'EndOfStream') s.send(FINAL_HELLO_THERE);
    });
    const server = fake;
    const audio = new Uint8Array(20 * 640).fill(7);
    const summary = await runSTTCallEnd(new SpeechmaticsSTT({ apiKey: 'test-key', baseUrl: server.url }), {
      format: PCM16_16K,
      audio,
      frameBytes: 640,
      beforeHangup: () => until(() => (server.sessions[0]?.bytes ?? 0) === audio.length),
    });
    expect(summary.transcript.map((t) => `${t.role}: ${t.text}`)).toEqual(['user: Hello there.']);
    expect(server.sessions[0]?.control).toEqual([{ message: 'EndOfStream', last_seq_no: server.sessions[0]?.chunks }]);
    expect(await server.sessions[0]?.socket.closed).toMatchObject({ code: 1000 });
  });

  it('replays the "hello there" fixture (FIXED): partials, final with words, end of utterance, EndOfStream', async () => {
    fake = await fakeSpeechmatics((s, event) => {
      // Audio sent before RecognitionStarted is held, then flushed in ≤ 100 ms messages: count bytes.
      if (event === 'audio' && s.bytes === 5 * 640) for (const m of [PARTIAL_HELLO, PARTIAL_HELLO_THERE, FINAL_HELLO_THERE, EMPTY_PARTIAL, END_OF_UTTERANCE]) s.send(m);
    });
    const stt = new SpeechmaticsSTT({ apiKey: 'test-key', baseUrl: fake.url, turnDetection: 'FIXED' });
    const stream = stt.stream({ format: PCM16_16K });
    const { out, done } = collect(stream);
    for (let i = 0; i < 5; i++) stream.sendAudio(pcmFrame());
    await until(() => out.length === 4);
    await stream.close();
    await done;
    expect(fake.sessions[0]?.start).toEqual({
      message: 'StartRecognition',
      audio_format: { type: 'raw', encoding: 'pcm_s16le', sample_rate: 16000 },
      transcription_config: { language: 'en', model: 'enhanced', enable_partials: true, max_delay: 0.7, max_delay_mode: 'flexible', diarization: 'none', conversation_config: { end_of_utterance_silence_trigger: 0.5 } },
    });
    expect(out.map((t) => [t.eventType, t.text, t.isFinal, t.speechFinal])).toEqual([
      ['Results', 'hello', false, false],
      ['Results', 'hello there', false, false],
      ['Results', 'Hello there.', true, false],
      ['UtteranceEnd', '', false, true],
    ]);
    const results = { isFinal: false, speechFinal: false, fromFinalize: false, eventType: 'Results' };
    const hello = { word: 'hello', start: 0.08, end: 0.42, confidence: 0 };
    expect(out).toEqual([
      { ...results, text: 'hello', confidence: 0, words: [hello] },
      { ...results, text: 'hello there', confidence: 0, words: [hello, { word: 'there', start: 0.46, end: 0.86, confidence: 0 }] },
      {
        ...results, text: 'Hello there.', isFinal: true, confidence: expect.closeTo(0.975, 6), language: 'en',
        words: [{ word: 'Hello', start: 0.08, end: 0.42, confidence: 0.98 }, { word: 'there', start: 0.46, end: 0.86, confidence: 0.97 }],
      },
      { text: '', isFinal: false, speechFinal: true, fromFinalize: false, confidence: 0, eventType: 'UtteranceEnd' },
    ]);
    expect(fake.sessions[0]?.control).toEqual([{ message: 'EndOfStream', last_seq_no: fake.sessions[0]?.chunks }]);
    expect(fake.sessions[0]?.chunks).toBeGreaterThan(0);
    expect(stream.usage().audioSeconds).toBeCloseTo(0.1, 6);
  });

  it('EXTERNAL: finalize() sends ForceEndOfUtterance and the forced answer is fromFinalize; μ-law and diarization configured', async () => {
    fake = await fakeSpeechmatics((s, event, m) => {
      if (event === 'control' && m?.message === 'ForceEndOfUtterance') {
        s.send({ ...FINAL_HELLO_THERE, forced: true, results: FINAL_HELLO_THERE.results.map((r) => ({ ...r, alternatives: [{ ...r.alternatives[0], speaker: 'S1' }] })) });
        s.send({ ...END_OF_UTTERANCE, forced: true });
      }
    });
    const stt = STT({ apiKey: 'test-key', baseUrl: fake.url, turnDetection: 'EXTERNAL', diarization: true, maxSpeakers: 2, additionalVocab: ['Acme', { content: 'Zendesk', soundsLike: ['zen desk'] }] });
    const stream = stt.stream({ format: MULAW_8K });
    const { out, done } = collect(stream);
    stream.sendAudio(new Uint8Array(160).fill(0xff));
    await until(() => (fake?.sessions[0]?.chunks ?? 0) === 1);
    stream.finalize();
    await until(() => out.length === 2);
    await stream.close();
    await done;
    const config = fake.sessions[0]?.start?.transcription_config as Record<string, unknown>;
    expect(fake.sessions[0]?.start?.audio_format).toEqual({ type: 'raw', encoding: 'mulaw', sample_rate: 8000 });
    expect(config.conversation_config).toBeUndefined();
    expect([config.diarization, config.speaker_diarization_config, config.additional_vocab]).toEqual(['speaker', { max_speakers: 2 }, ['Acme', { content: 'Zendesk', sounds_like: ['zen desk'] }]]);
    expect(out.map((t) => [t.text, t.isFinal, t.speechFinal, t.fromFinalize, t.speaker])).toEqual([
      ['Hello there.', true, false, true, 'S1'],
      ['', false, true, true, undefined],
    ]);
  });

  it('a socket dropped mid-utterance reconnects and re-sends the audio since the last final: no words lost', async () => {
    const once = new Set<string>();
    const first = (key: string) => !once.has(key) && once.add(key) !== undefined;
    fake = await fakeSpeechmatics((s, event) => {
      if (event !== 'audio') return;
      if (s === fake?.sessions[0]) {
        // 0.5 s of audio: "Hello" is final up to 0.5 s, "there" only partial, then the socket dies.
        if (s.bytes >= 25 * 640 && first('final')) s.send({ ...FINAL_HELLO_THERE, metadata: { start_time: 0.08, end_time: 0.5, transcript: 'Hello' }, results: [word('Hello', 0.08, 0.42, 0.98)] });
        if (s.bytes >= 40 * 640 && first('drop')) {
          s.send({ ...PARTIAL_HELLO, metadata: { start_time: 0.5, end_time: 0.8, transcript: 'there' } });
          setTimeout(() => void s.socket.terminate(), 20);
        }
      } else if (s.bytes >= 30 * 640 && first('second')) {
        s.send({ ...FINAL_HELLO_THERE, metadata: { start_time: 0.1, end_time: 0.5, transcript: 'there, at noon.' }, results: [word('there', 0.1, 0.4, 0.9)] });
        s.send(END_OF_UTTERANCE);
      }
    });
    const stt = new SpeechmaticsSTT({ apiKey: 'test-key', baseUrl: fake.url, turnDetection: 'FIXED' });
    const stream = stt.stream({ format: PCM16_16K });
    const { out, done } = collect(stream);
    for (let i = 0; i < 40; i++) stream.sendAudio(pcmFrame());
    await until(() => (fake?.sessions.length ?? 0) === 2);
    for (let i = 0; i < 15; i++) stream.sendAudio(pcmFrame());
    await until(() => out.some((t) => t.eventType === 'UtteranceEnd'));
    await stream.close();
    await done;
    // 40 chunks sent, 25 (0.5 s) committed by the final: the new session gets 15 replayed + 15 new.
    expect(fake.sessions[1]?.bytes).toBe(30 * 640);
    const finals = out.filter((t) => t.isFinal);
    expect(finals.map((t) => t.text).join(' ')).toBe('Hello there, at noon.');
    // Word times continue from where the new connection's audio starts (0.5 s in).
    expect(finals[1]?.words?.[0]).toMatchObject({ word: 'there', start: 0.6, end: 0.9 });
  });

  it('not_authorised, a 401 upgrade or close 4001 fail the stream naming SPEECHMATICS_API_KEY, without retry', async () => {
    fake = await fakeSpeechmatics((s, event) => {
      if (event === 'audio') {
        s.send({ message: 'Error', type: 'not_authorised', reason: 'bad key' });
        void s.socket.close(4001, 'not_authorised');
      }
    });
    const stream = new SpeechmaticsSTT({ apiKey: 'test-key', baseUrl: fake.url }).stream({ format: PCM16_16K });
    const { done } = collect(stream);
    stream.sendAudio(pcmFrame());
    const error = await done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect((error as Error).message).toContain('SPEECHMATICS_API_KEY');
    expect(fake.sessions).toHaveLength(1);

    const refused = new SpeechmaticsSTT({ apiKey: 'wrong', baseUrl: fake.url }).stream({ format: PCM16_16K });
    const upgrade = await collect(refused).done.catch((e: unknown) => e);
    expect(upgrade).toBeInstanceOf(ProviderAuthError);
    expect((upgrade as ProviderAuthError).status).toBe(401);
    expect(fake.sessions).toHaveLength(1);
  });

  it('ignores malformed JSON and unknown messages, and keeps going', async () => {
    fake = await fakeSpeechmatics((s, event) => {
      if (event === 'audio' && s.chunks === 1) {
        void s.socket.send('{"message": not json');
        s.send({ message: 'SomethingNew', x: 1 });
        s.send({ message: 'Warning', type: 'idle_timeout', reason: 'soon' });
        s.send(FINAL_HELLO_THERE);
      }
    });
    const stream = new SpeechmaticsSTT({ apiKey: 'test-key', baseUrl: fake.url, turnDetection: 'FIXED' }).stream({ format: PCM16_16K });
    const { out, done } = collect(stream);
    stream.sendAudio(pcmFrame());
    await until(() => out.length === 1);
    await stream.close();
    await done;
    expect(out[0]?.text).toBe('Hello there.');
  });

  it('ADAPTIVE ends the turn from the client with ForceEndOfUtterance (not fromFinalize)', async () => {
    fake = await fakeSpeechmatics((s, event, m) => {
      if (event === 'audio' && s.chunks === 1) s.send(FINAL_HELLO_THERE);
      if (event === 'control' && m?.message === 'ForceEndOfUtterance') s.send({ ...END_OF_UTTERANCE, forced: true });
    });
    const stream = new SpeechmaticsSTT({ apiKey: 'test-key', baseUrl: fake.url, endOfUtteranceSilence: 0.2 }).stream({ format: PCM16_16K });
    const { out, done } = collect(stream);
    stream.sendAudio(pcmFrame());
    const started = Date.now();
    await until(() => out.length === 2);
    const waited = Date.now() - started;
    await stream.close();
    await done;
    expect(fake.sessions[0]?.start?.transcription_config).not.toHaveProperty('conversation_config');
    expect(out[1]).toMatchObject({ eventType: 'UtteranceEnd', speechFinal: true, fromFinalize: false });
    expect(waited).toBeLessThan(1500);
  });

  it('validates options and registers as speechmatics', () => {
    expect(() => new SpeechmaticsSTT({ apiKey: 'k', turnDetection: 'VAD' as never })).toThrow(/^turnDetection:/);
    expect(() => new SpeechmaticsSTT({ apiKey: 'k', maxDelay: 0.2 })).toThrow(/^maxDelay:/);
    expect(() => new SpeechmaticsSTT({ apiKey: 'k', maxSpeakers: 1 })).toThrow(/^maxSpeakers:/);
    const saved = process.env.SPEECHMATICS_API_KEY;
    delete process.env.SPEECHMATICS_API_KEY;
    expect(() => new SpeechmaticsSTT()).toThrow(ConfigError);
    expect(() => new SpeechmaticsSTT()).toThrow(/SPEECHMATICS_API_KEY/);
    if (saved !== undefined) process.env.SPEECHMATICS_API_KEY = saved;
    expect(createSTT('speechmatics', { apiKey: 'k' })).toBeInstanceOf(SpeechmaticsSTT);
    expect(() => new SpeechmaticsSTT({ apiKey: 'k', pingIntervalMs: 180_000 })).toThrow(/pingIntervalMs/);
  });

});

describe.skipIf(!(process.env.PATTER_LIVE_TESTS && process.env.SPEECHMATICS_API_KEY))('SpeechmaticsSTT live', () => {
  it('transcribes the "hello there" fixture and ends the utterance', async () => {
    const fixture = loadFixture('hello-there');
    const stream = new SpeechmaticsSTT({ turnDetection: 'FIXED' }).stream({ format: PCM16_16K });
    const { out, done } = collect(stream);
    for (let at = 0; at < fixture.bytes.length; at += 640) stream.sendAudio(fixture.bytes.subarray(at, at + 640));
    for (let i = 0; i < 75; i++) stream.sendAudio(pcmFrame());
    await until(() => out.some((t) => t.eventType === 'UtteranceEnd'), 15_000);
    await stream.close();
    await done;
    expect(out.filter((t) => t.isFinal).map((t) => t.text.toLowerCase()).join(' ')).toContain('hello');
  });
});
