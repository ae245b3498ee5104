import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  MULAW_8K,
  PCM16_16K,
  ProviderAuthError,
  createSTT,
  type STTStream,
  type Transcript,
} from '@patter/core';
import { FakeWebSocketServer, loadFixture, runSTTCallEnd, type FakeWebSocketConnection } from '@patter/testing';
import { describeSTTConformance, describeWebSocketSTTBehaviour } from '@patter/testing/vitest';
import { AdaptiveEndOfTurn } from './adaptive-end-of-turn.js';
import { speechmaticsAdapter } from './speechmatics-adapter.js';
import { STT, SpeechmaticsSTT } from './index.js';

const RECOGNITION_STARTED = { message: 'RecognitionStarted', orchestrator_version: '2025.11.07+cd4ff775c0+14.7.0', id: '807670e9-14af-4fa2-9e8f-5d525c22156e', language_pack_info: { adapted: false, itn: true, language_description: 'English', word_delimiter: ' ', writing_direction: 'left-to-right' } };
const word = (content: string, start: number, end: number, confidence: number) => ({ type: 'word', start_time: start, end_time: end, alternatives: [{ content, confidence, language: 'en' }] });
const PARTIAL_HELLO = { message: 'AddPartialTranscript', format: '2.1', metadata: { start_time: 0.08, end_time: 0.42, transcript: 'hello' }, results: [word('hello', 0.08, 0.42, 0)] };
const PARTIAL_HELLO_THERE = { message: 'AddPartialTranscript', format: '2.1', metadata: { start_time: 0.08, end_time: 0.86, transcript: 'hello there' }, results: [word('hello', 0.08, 0.42, 0), word('there', 0.46, 0.86, 0)] };
const FINAL_HELLO_THERE = { message: 'AddTranscript', format: '2.1', metadata: { start_time: 0.08, end_time: 0.86, transcript: 'Hello there. ' }, results: [word('Hello', 0.08, 0.42, 0.98), word('there', 0.46, 0.86, 0.97), { type: 'punctuation', start_time: 0.86, end_time: 0.86, attaches_to: 'previous', is_eos: true, alternatives: [{ content: '.', confidence: 1.0, language: 'en' }] }] };
const EMPTY_PARTIAL = { message: 'AddPartialTranscript', format: '2.1', metadata: { start_time: 0.86, end_time: 0.86, transcript: '' }, results: [] };
const MODELS = new Set(['standard', 'enhanced', 'melia-1']);
const END_OF_UTTERANCE = { message: 'EndOfUtterance', metadata: { start_time: 1.36, end_time: 1.36 } };

/** One session as the fake saw it. */
interface Session {
  readonly socket: FakeWebSocketConnection;
  start?: Record<string, unknown>;
  /** Binary chunks received (Speechmatics seq_no). */
  chunks: number;
  bytes: number;
  readonly control: Record<string, unknown>[];
  send(message: unknown): void;
}

/**
 * A loopback Speechmatics RT v2 server, as strict as the real one: path `/v2` and a Bearer key
 * on the upgrade (401 otherwise), StartRecognition first, audio only after RecognitionStarted
 * (else Error protocol_error + close 1003), AudioAdded per chunk, EndOfStream with the right
 * last_seq_no.
 */
async function fakeSpeechmatics(onSession: (s: Session, event: 'audio' | 'control', data?: Record<string, unknown>) => void, refuseStatus?: number) {
  const sessions: Session[] = [];
  const server = await FakeWebSocketServer.start({
    path: '/v2',
    onUpgrade: (req) => {
      if (refuseStatus) return { reject: { status: refuseStatus, body: 'Refused' } };
      return req.headers.authorization === 'Bearer test-key' ? undefined : { reject: { status: 401, body: 'Unauthorized' } };
    },
    onConnection: async (socket) => {
      const session: Session = { socket, chunks: 0, bytes: 0, control: [], send: (m) => void socket.send(m as object) };
      sessions.push(session);
      let started = false;
      for (;;) {
        const { data } = await socket.nextMessage(60_000).catch(() => ({ data: undefined }));
        if (data === undefined) return;
        if (typeof data !== 'string') {
          if (!started) {
            session.send({ message: 'Error', type: 'protocol_error', reason: 'audio before RecognitionStarted' });
            await socket.close(1003);
            return;
          }
          session.chunks++;
          session.bytes += data.byteLength;
          session.send({ message: 'AudioAdded', seq_no: session.chunks });
          onSession(session, 'audio');
          continue;
        }
        const message = JSON.parse(data) as Record<string, unknown>;
        if (!session.start) {
          const config = message.transcription_config as Record<string, unknown> | undefined;
          if (message.message !== 'StartRecognition' || typeof config?.language !== 'string') {
            session.send({ message: 'Error', type: 'invalid_message', reason: 'expected StartRecognition' });
            await socket.close(1003);
            return;
          }
          const model = config.model ?? config.operating_point ?? 'standard';
          if (!MODELS.has(String(model))) {
            session.send({ message: 'Error', type: 'invalid_model', reason: `unknown model ${String(model)}` });
            await socket.close(4004, 'invalid_model');
            return;
          }
          session.start = message;
          session.send({ message: 'Info', type: 'recognition_quality', quality: 'telephony', reason: 'Running recognition using a telephony model quality.' });
          void socket.sendAfter(20, RECOGNITION_STARTED).then(() => (started = true));
          continue;
        }
        session.control.push(message);
        if (message.message === 'EndOfStream') {
          if (message.last_seq_no !== session.chunks) session.send({ message: 'Error', type: 'protocol_error', reason: 'bad last_seq_no' });
          // The script sends the finals still pending, then EndOfTranscript; the close frame comes
          // in a later write than the last message (as over TLS).
          onSession(session, 'control', message);
          session.send({ message: 'EndOfTranscript' });
          await new Promise((resolve) => setTimeout(resolve, 20));
          await socket.close(1000);
          return;
        }
        onSession(session, 'control', message);
      }
    },
  });
  return { url: `${server.url}/v2`, sessions, upgrades: server.upgrades, connections: server.connections, close: () => server.close() };
}

function collect(stream: STTStream): { out: Transcript[]; done: Promise<void> } {
  const out: Transcript[] = [];
  const done = (async () => {
    for await (const t of stream.transcripts()) out.push(t);
  })();
  return { out, done };
}

const pcmFrame = () => new Uint8Array(640); // 20 ms of 16 kHz PCM16
const until = async (check: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

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

// The WebSocket-STT behaviours every such plugin shares. This fake answers from a script, not from
// word frames, so the checks that need a transcribing fake are skipped: the tests above cover them
// the Speechmatics way (malformed and unknown messages, the drop replaying since the last final
// with seq_no and word times, the final after EndOfStream at call end).
const served: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(served.splice(0).map((f) => f.close()));
});
describeWebSocketSTTBehaviour(
  {
    name: 'SpeechmaticsSTT',
    provider: 'speechmatics',
    envVar: 'SPEECHMATICS_API_KEY',
    serve: async (options) => {
      const fake = await fakeSpeechmatics(() => {}, options?.refuseStatus);
      served.push(fake);
      return fake;
    },
    create: (options) => new SpeechmaticsSTT(options),
    frame: () => pcmFrame(),
    misspelledOption: ['enablePartial', 'enablePartials'],
    malformedMessage: '{"message": not json',
    unknownMessage: '{"message":"SomethingNew","x":1}',
    callEnd: { sent: (conn) => conn.jsonMessages<{ message: string }>().at(-1)?.message, expected: 'EndOfStream' },
    keepAlive: { create: (options) => new SpeechmaticsSTT({ ...options, pingIntervalMs: 1000 }), intervalMs: 1000, message: 'ping' },
  },
  {
    skip: [
      'a malformed and an unknown vendor message are logged and dropped; the stream goes on on the same connection',
      'a socket dropped mid-utterance without a close frame reconnects, replays what was not final, and loses no words',
      'call end: the words in flight reach the call transcript, the end of stream goes out, the socket closes with 1000',
    ],
  },
);

describe('AdaptiveEndOfTurn', () => {
  it('waits less after a full stop and more after a filler or conjunction', () => {
    const turn = new AdaptiveEndOfTurn({ baseDelay: 0.8, onEndOfTurn: () => {} });
    expect(turn.delayFor('Book it for Monday.')).toBeCloseTo(0.6);
    expect(turn.delayFor('Is it open?')).toBeCloseTo(0.6);
    expect(turn.delayFor('I want the table and')).toBeCloseTo(1.6);
    expect(turn.delayFor('for Monday um')).toBeCloseTo(1.6);
    expect(turn.delayFor('for Monday')).toBeCloseTo(1.0);
  });
});

describe('AdaptiveEndOfTurn timing', () => {
  it('counts the wait from the speech, not from the late final, and restarts on new speech', async () => {
    const ends: number[] = [];
    const started = performance.now();
    const turn = new AdaptiveEndOfTurn({ baseDelay: 1.2, onEndOfTurn: () => ends.push(performance.now() - started) });
    turn.heard('book a table');
    await new Promise((resolve) => setTimeout(resolve, 400));
    turn.refine('Book a table.'); // the final lags: a 0.9 s wait of which 0.4 s already passed
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(ends).toHaveLength(1);
    expect(ends[0]).toBeGreaterThan(880);
    expect(ends[0]).toBeLessThan(1250); // restarting at the final would end at ≥ 1300 ms
    turn.heard('and');
    turn.stop();
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(ends).toHaveLength(1);
  });
});

// The shared STT contract against the same fake, in both formats Speechmatics takes raw.
for (const format of [PCM16_16K, MULAW_8K]) {
  let fake: Awaited<ReturnType<typeof fakeSpeechmatics>> | undefined;
  describeSTTConformance({
    name: `SpeechmaticsSTT ${format.encoding}/${format.sampleRate}`,
    format,
    beforeEach: async () => {
      fake = await fakeSpeechmatics(() => {});
    },
    afterEach: () => fake?.close(),
    createProvider: () => new SpeechmaticsSTT({ apiKey: 'test-key', baseUrl: fake?.url ?? '', turnDetection: 'FIXED' }),
    connections: () =>
      (fake?.sessions ?? []).map((s) => ({
        audio: () => s.socket.binaryBytes(),
        speak: async (text: string) => {
          const seconds = s.bytes / (format.sampleRate * (format.encoding === 'pcm16' ? 2 : 1));
          s.send({ message: 'AddTranscript', format: '2.1', metadata: { start_time: 0, end_time: seconds, transcript: text }, results: [] });
          s.send({ message: 'EndOfUtterance', metadata: { start_time: seconds, end_time: seconds } });
        },
      })),
  });
}

describe('speechmaticsAdapter error mapping', () => {
  const adapter = speechmaticsAdapter({ url: 'ws://x/v2', apiKey: 'k', startRecognition: {}, send: () => false });

  it('maps close codes: auth and config are final, quota waits 5 s before a new session', () => {
    expect(adapter.classifyClose?.(4001, 'not_authorised')).toMatchObject({ retryable: false, status: 401 });
    expect(adapter.classifyClose?.(4004, 'invalid_model')).toMatchObject({ retryable: false });
    expect(adapter.classifyClose?.(4005, 'quota_exceeded')).toMatchObject({ retryable: true, retryAfter: 5 });
    expect(adapter.classifyClose?.(4013, 'job_error')).toMatchObject({ retryable: true, retryAfter: 5 });
    expect(adapter.classifyClose?.(1011, 'internal_error')).toMatchObject({ retryable: true, retryAfter: 5 });
  });

  it('a 1011 internal_error close is retried only after at least 5 s (was ~44 ms)', async () => {
    let closedAt = 0;
    const fake = await fakeSpeechmatics((s, event) => {
      if (event === 'audio' && closedAt === 0) {
        closedAt = Date.now();
        void s.socket.close(1011, 'internal_error');
      }
    });
    try {
      const stream = new SpeechmaticsSTT({ apiKey: 'test-key', baseUrl: fake.url }).stream({ format: PCM16_16K });
      void collect(stream);
      stream.sendAudio(pcmFrame());
      await until(() => fake.sessions.length === 2, 12_000);
      // Measured in-process against the same clock; the wait is 5 s, so 4.9 s leaves ample margin.
      expect(Date.now() - closedAt).toBeGreaterThanOrEqual(4900);
      await stream.close();
    } finally {
      await fake.close();
    }
  }, 20_000);

  it('an invalid_config Error fails the stream without a reconnect', async () => {
    const fake = await fakeSpeechmatics((s, event) => {
      if (event === 'audio') s.send({ message: 'Error', type: 'invalid_config', reason: 'max_delay too small' });
    });
    try {
      const stream = new SpeechmaticsSTT({ apiKey: 'test-key', baseUrl: fake.url }).stream({ format: PCM16_16K });
      const { done } = collect(stream);
      stream.sendAudio(pcmFrame());
      const error = await done.catch((e: unknown) => e);
      expect(error).toMatchObject({ provider: 'speechmatics', retryable: false, body: { type: 'invalid_config', reason: 'max_delay too small' } });
      expect(fake.sessions).toHaveLength(1);
    } finally {
      await fake.close();
    }
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
