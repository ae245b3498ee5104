import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PCM16_16K, createSTT, type Transcript } from '@patter/core';
import { FakeHttpServer, loadFixture, runSTTCallEnd, type FakeHttpResponse, type MultipartPart, type STTConformanceConnection } from '@patter/testing';
import { describeHttpSTTBehaviour, describeSTTConformance } from '@patter/testing/vitest';
import { STT, WhisperSTT } from './index.js';

type Reply = (res: FakeHttpResponse) => void;

/** A loopback fake of `POST /v1/audio/transcriptions`, as strict as OpenAI on what whisper sends. */
class FakeTranscriptions {
  /** The multipart parts of each accepted request. */
  readonly requests: MultipartPart[][] = [];
  readonly replies: Reply[] = [];
  server!: FakeHttpServer;

  /** Every request, valid or not. */
  get hits(): number {
    return this.server.requests.length;
  }

  get url(): string {
    return `${this.server.url}/v1`;
  }

  async start(): Promise<void> {
    this.server = await FakeHttpServer.start({
      'POST /v1/audio/transcriptions': (req, res) => {
        const fail = (status: number, message: string) => res.json(status, { error: { message, type: 'invalid_request_error', param: null, code: null } });
        if (req.header('authorization') !== 'Bearer test-key') return fail(401, 'Incorrect API key provided.');
        const parts = req.multipart();
        const field = (name: string) => parts.find((p) => p.name === name)?.text;
        const file = parts.find((p) => p.name === 'file');
        if (!file?.filename?.endsWith('.wav') || file.contentType !== 'audio/wav') return fail(400, 'bad file');
        if (field('model') !== 'whisper-1' || field('language') !== 'en' || field('response_format') !== 'verbose_json') return fail(400, 'bad fields');
        this.requests.push(parts);
        (this.replies.shift() ?? json({ text: '' }))(res);
      },
    });
  }

  stop(): Promise<void> {
    return this.server.close();
  }
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Reply => (res) => {
  if (typeof body === 'string') res.send(status, body, { 'content-type': 'application/json', ...headers });
  else res.json(status, body, headers);
};

const VERBOSE_HELLO = {
  language: 'english',
  duration: 2.0,
  text: 'Hello there.',
  segments: [{ id: 0, seek: 0, start: 0.0, end: 1.2, text: ' Hello there.', tokens: [50364], temperature: 0.0, avg_logprob: -0.21, compression_ratio: 0.8, no_speech_prob: 0.02 }],
  usage: { type: 'duration', seconds: 2 },
};

/** 20 ms frames of 16 kHz PCM16: a 300 Hz tone at `amplitude` (0 = digital silence with faint noise). */
function frames(ms: number, amplitude: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let f = 0; f < ms / 20; f++) {
    const frame = new Uint8Array(640);
    const view = new DataView(frame.buffer);
    for (let i = 0; i < 320; i++) {
      const t = (f * 320 + i) / 16000;
      const value = amplitude > 0 ? amplitude * Math.sin(2 * Math.PI * 300 * t) : (i % 7) - 3;
      view.setInt16(i * 2, Math.round(value), true);
    }
    out.push(frame);
  }
  return out;
}

async function collect(stream: { transcripts(): AsyncIterable<Transcript> }): Promise<Transcript[]> {
  const out: Transcript[] = [];
  for await (const t of stream.transcripts()) out.push(t);
  return out;
}

describe('WhisperSTT', () => {
  let fake: FakeTranscriptions;
  let stt: WhisperSTT;

  beforeEach(async () => {
    fake = new FakeTranscriptions();
    await fake.start();
    stt = new WhisperSTT({ apiKey: 'test-key', baseUrl: fake.url });
  });
  afterEach(() => fake.stop());

  it('call end: the utterance still buffered when the caller hangs up is transcribed into the call transcript', async () => {
    fake.replies.push(json(VERBOSE_HELLO));
    // 600 ms of speech and no pause: no turn ended before the hang-up.
    const audio = new Uint8Array(Buffer.concat(frames(600, 8000)));
    const summary = await runSTTCallEnd(stt, { format: PCM16_16K, audio, frameBytes: 640 });
    expect(summary.transcript.map((t) => `${t.role}: ${t.text}`)).toEqual(['user: Hello there.']);
    expect(fake.requests).toHaveLength(1);
  });

  it('posts the utterance as a trimmed 16 kHz WAV at finalize and emits one final, no interims', async () => {
    fake.replies.push(json(VERBOSE_HELLO));
    const stream = stt.stream({ format: PCM16_16K });
    const seen = collect(stream);
    for (const frame of [...frames(2000, 0), ...frames(800, 8000), ...frames(1000, 0)]) stream.sendAudio(frame);
    stream.finalize();
    await stream.close();
    const transcripts = await seen;
    expect(transcripts).toHaveLength(1);
    expect(transcripts[0]).toMatchObject({ text: 'Hello there.', isFinal: true, speechFinal: true, fromFinalize: true, eventType: 'Results' });
    expect(transcripts[0]?.confidence).toBeCloseTo(Math.exp(-0.21), 5);
    const wav = new Uint8Array((fake.requests[0]?.find((p) => p.name === 'file')?.data as Buffer));
    const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
    expect(new TextDecoder().decode(wav.subarray(0, 4))).toBe('RIFF');
    expect(view.getUint32(24, true)).toBe(16000);
    // 300 ms pre-roll + 800 ms speech + 300 ms tail, not the 3.8 s that were sent.
    expect(view.getUint32(40, true)).toBe(1400 * 32);
    expect(stream.usage().audioSeconds).toBeCloseTo(1.4, 5);
  });

  it('a silent utterance yields no transcript and no request', async () => {
    const stream = stt.stream({ format: PCM16_16K });
    const seen = collect(stream);
    for (const frame of frames(3000, 0)) stream.sendAudio(frame);
    stream.finalize();
    await stream.close();
    expect(await seen).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('drops "Thank you." invented on a faint click, keeps a spoken "Yes."', async () => {
    fake.replies.push(json({ text: 'Thank you.', segments: [{ avg_logprob: -0.9, no_speech_prob: 0.3 }] }));
    fake.replies.push(json({ text: 'Yes.', segments: [{ avg_logprob: -0.1, no_speech_prob: 0.1 }] }));
    const stream = stt.stream({ format: PCM16_16K });
    const seen = collect(stream);
    for (const frame of [...frames(500, 0), ...frames(160, 600), ...frames(500, 0)]) stream.sendAudio(frame);
    stream.finalize();
    for (const frame of [...frames(300, 0), ...frames(400, 9000), ...frames(300, 0)]) stream.sendAudio(frame);
    stream.finalize();
    await stream.close();
    expect((await seen).map((t) => t.text)).toEqual(['Yes.']);
    expect(fake.requests).toHaveLength(2);
  });

  it('drops the known silence hallucinations: "you" with no speech, a lone ".", a re-sent final within 500 ms', async () => {
    fake.replies.push(json({ text: 'you', segments: [{ avg_logprob: -1.3, no_speech_prob: 0.92 }] }));
    fake.replies.push(json({ text: '.', segments: [{ avg_logprob: -1.1, no_speech_prob: 0.7 }] }));
    fake.replies.push(json({ text: 'Book a table.', segments: [{ avg_logprob: -0.2, no_speech_prob: 0.05 }] }));
    fake.replies.push(json({ text: 'Book a table.', segments: [{ avg_logprob: -0.2, no_speech_prob: 0.05 }] }));
    const stream = stt.stream({ format: PCM16_16K });
    const seen = collect(stream);
    for (let i = 0; i < 4; i++) {
      for (const frame of [...frames(300, 0), ...frames(600, 8000), ...frames(300, 0)]) stream.sendAudio(frame);
      stream.finalize();
    }
    await stream.close();
    expect((await seen).map((t) => t.text)).toEqual(['Book a table.']);
    expect(fake.requests).toHaveLength(4);
  });

  it('retries a 503 honouring retry-after, and survives a malformed body', async () => {
    fake.replies.push(json({ error: { message: 'overloaded' } }, 503, { 'retry-after': '0' }));
    fake.replies.push(json(VERBOSE_HELLO));
    fake.replies.push(json('<html>bad gateway</html>'), json('not json'), json('{"text":'));
    fake.replies.push(json({ text: 'Yes.', segments: [{ avg_logprob: -0.1, no_speech_prob: 0.1 }] }));
    const stream = stt.stream({ format: PCM16_16K });
    const seen = collect(stream);
    for (const frame of frames(600, 8000)) stream.sendAudio(frame);
    stream.finalize();
    for (const frame of frames(600, 8000)) stream.sendAudio(frame);
    stream.finalize();
    for (const frame of frames(600, 8000)) stream.sendAudio(frame);
    await stream.close();
    // Utterance 1: 503 then OK. Utterance 2: three malformed bodies, dropped. Utterance 3 (on close): OK.
    expect((await seen).map((t) => [t.text, t.fromFinalize])).toEqual([['Hello there.', true], ['Yes.', false]]);
    expect(fake.requests).toHaveLength(6);
  });

  it('an abort ends the stream at once, in flight, and emits nothing more', async () => {
    fake.replies.push(() => {}); // never answers
    const controller = new AbortController();
    const stream = stt.stream({ format: PCM16_16K, signal: controller.signal });
    const seen = collect(stream);
    for (const frame of frames(600, 8000)) stream.sendAudio(frame);
    stream.finalize();
    await fake.server.nextRequest();
    expect(fake.requests).toHaveLength(1);
    controller.abort();
    expect(await seen).toEqual([]);
    await fake.server.requests[0]?.clientClosed;
    expect(fake.server.requests[0]?.clientAborted).toBe(true);
    await stream.close();
  });

  it('rejects bad options; the defaults leave endpointing to the session', () => {
    const saved = process.env.OPENAI_API_KEY;
    try {
      process.env.OPENAI_API_KEY = 'env-key';
      expect(STT().model).toBe('whisper-1');
      expect(STT().endpointing).toBe(false); // the session's VAD must finalize
      expect(() => STT({ temperature: 2 })).toThrow(/^temperature:/);
      expect(() => STT({ baseUrl: 'nope' })).toThrow(/^baseUrl:/);
      expect(createSTT('whisper', { apiKey: 'k' })).toBeInstanceOf(WhisperSTT);
      expect(() => stt.stream({ format: { encoding: 'mulaw', sampleRate: 8000, channels: 1 } })).toThrow(/^format:/);
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
  });

});

// The HTTP-STT behaviours (unknown option, a refused key, the env var, warmup), against the same fake.
{
  const served: FakeTranscriptions[] = [];
  afterEach(async () => {
    await Promise.all(served.splice(0).map((f) => f.stop()));
  });
  describeHttpSTTBehaviour({
    name: 'WhisperSTT',
    provider: 'whisper',
    envVar: 'OPENAI_API_KEY',
    serve: async () => {
      const fake = new FakeTranscriptions();
      await fake.start();
      served.push(fake);
      return { url: fake.url, requests: () => fake.hits, close: () => fake.stop() };
    },
    create: (options) => new WhisperSTT(options),
    createFromEnv: () => new WhisperSTT(),
    utterance: () => frames(600, 8000),
    misspelledOption: ['temprature', 'temperature'],
  });
}

// The shared STT contract. Each request is one "connection": the fake holds it open until the
// suite makes it speak, then answers with that text (buffered STT: the audio is one slice).
{
  let server: FakeHttpServer | undefined;
  let requests: STTConformanceConnection[] = [];
  describeSTTConformance({
    name: 'WhisperSTT',
    audioMatch: 'slice',
    finalizeAfterAudio: true,
    beforeEach: async () => {
      requests = [];
      server = await FakeHttpServer.start({
        'POST /v1/audio/transcriptions': (req, res) =>
          new Promise<void>((answered) => {
            if (req.header('authorization') !== 'Bearer test-key') return answered(res.json(401, { error: { message: 'bad key' } }));
            const file = req.multipart().find((p) => p.name === 'file');
            const pcm = new Uint8Array(file?.data.subarray(44) ?? []);
            requests.push({
              audio: () => pcm,
              speak: async (text) => {
                res.json(200, { text, segments: [{ avg_logprob: -0.1, no_speech_prob: 0.01 }] });
                answered();
              },
            });
          }),
      });
    },
    afterEach: () => server?.close(),
    createProvider: () => new WhisperSTT({ apiKey: 'test-key', baseUrl: `${server?.url}/v1`, closeTimeoutMs: 1000 }),
    connections: () => requests,
  });
}

describe.skipIf(!(process.env.PATTER_LIVE_TESTS && process.env.OPENAI_API_KEY))('WhisperSTT live', () => {
  it('transcribes the "hello there" fixture', async () => {
    const fixture = loadFixture('hello-there');
    const stream = new WhisperSTT().stream({ format: PCM16_16K });
    const seen = collect(stream);
    for (let at = 0; at < fixture.bytes.length; at += 640) stream.sendAudio(fixture.bytes.subarray(at, at + 640));
    stream.finalize();
    await stream.close();
    expect((await seen).map((t) => t.text.toLowerCase()).join(' ')).toContain('hello');
  });
});
