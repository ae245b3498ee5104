import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, PCM16_16K, PCM16_8K, createSTT, type STTStream, type Transcript } from '@patter/core';
import { FakeHttpServer, loadFixture, type FakeHttpResponse, type STTConformanceConnection } from '@patter/testing';
import { describeHttpSTTBehaviour, describeSTTConformance } from '@patter/testing/vitest';
import { OpenAITranscribeSTT, STT } from './index.js';

const SSE_HELLO = [
  'event: transcript.text.delta\ndata: {"type":"transcript.text.delta","delta":"Hello"}\n\n',
  'event: transcript.text.delta\ndata: {"type":"transcript.text.delta","delta":" there"}\n\n',
  'data: {not json\n\n',
  'event: transcript.text.delta\ndata: {"type":"transcript.text.delta","delta":"."}\n\n',
  'event: transcript.text.done\ndata: {"type":"transcript.text.done","text":"Hello there.","usage":{"type":"tokens","input_tokens":28,"output_tokens":4,"total_tokens":32}}\n\n',
];

type Reply = (res: FakeHttpResponse, field: (name: string) => string | undefined) => void;

/** Loopback `POST /v1/audio/transcriptions` that checks what OpenAI checks, then runs `reply`. */
async function fakeOpenAI(reply: Reply): Promise<{ url: string; hits: () => number; fields: ((name: string) => string | undefined)[]; server: FakeHttpServer }> {
  const fields: ((name: string) => string | undefined)[] = [];
  const server = await FakeHttpServer.start({
    'POST /v1/audio/transcriptions': (req, res) => {
      const error = (status: number, code: string) => res.json(status, { error: { message: code, type: 'invalid_request_error', param: null, code } });
      if (req.header('authorization') !== 'Bearer test-key') return error(401, 'invalid_api_key');
      const parts = req.multipart();
      const field = (name: string) => parts.find((p) => p.name === name)?.text;
      const file = parts.find((p) => p.name === 'file');
      if (!file?.filename?.endsWith('.wav') || file.contentType !== 'audio/wav' || file.data.subarray(0, 4).toString() !== 'RIFF') return error(400, 'invalid_file');
      if (!/^gpt-4o(-mini)?-transcribe/.test(field('model') ?? '') || field('response_format') !== 'json') return error(400, 'invalid_value');
      fields.push(field);
      reply(res, field);
    },
  });
  return { url: `${server.url}/v1`, hits: () => server.requests.length, fields, server };
}

/** 20 ms frames of 8 kHz PCM16: speech-like tone when `loud`, else faint noise. */
function frames(ms: number, loud: boolean): Uint8Array[] {
  return Array.from({ length: ms / 20 }, (_, f) => {
    const frame = new Uint8Array(320);
    const view = new DataView(frame.buffer);
    for (let i = 0; i < 160; i++) view.setInt16(i * 2, loud ? Math.round(7000 * Math.sin((2 * Math.PI * 250 * (f * 160 + i)) / 8000)) : (i % 5) - 2, true);
    return frame;
  });
}

async function speak(stream: STTStream, ...parts: [number, boolean][]): Promise<Transcript[]> {
  const out: Transcript[] = [];
  const done = (async () => {
    for await (const t of stream.transcripts()) out.push(t);
  })();
  for (const [ms, loud] of parts) for (const frame of frames(ms, loud)) stream.sendAudio(frame);
  stream.finalize();
  await stream.close();
  await done;
  return out;
}

describe('OpenAITranscribeSTT', () => {
  let server: FakeHttpServer | undefined;
  afterEach(() => server?.close());

  it('streams deltas as interims, then the final (protocol fixture "hello there")', async () => {
    const fake = await fakeOpenAI((res, field) => {
      expect(field('stream')).toBe('true');
      void res.stream({ headers: { 'content-type': 'text/event-stream' }, chunks: SSE_HELLO });
    });
    server = fake.server;
    const stt = new OpenAITranscribeSTT({ apiKey: 'test-key', baseUrl: fake.url, model: 'gpt-4o-mini-transcribe' });
    const transcripts = await speak(stt.stream({ format: PCM16_8K }), [400, false], [900, true], [400, false]);
    expect(transcripts.map((t) => [t.text, t.isFinal, t.speechFinal])).toEqual([
      ['Hello', false, false],
      ['Hello there', false, false],
      ['Hello there.', false, false],
      ['Hello there.', true, true],
    ]);
    expect(transcripts[3]?.fromFinalize).toBe(true);
    expect(fake.fields[0]?.('model')).toBe('gpt-4o-mini-transcribe');
    expect(fake.fields[0]?.('language')).toBe('en');
  });

  it('without streaming reads the JSON body; a silent clip posts nothing; "Thank you." on a blip is dropped', async () => {
    const bodies = ['{"text":"Thank you.","usage":{"type":"duration","seconds":1}}', '{"text":"No.","usage":{"type":"tokens","input_tokens":5}}'];
    const fake = await fakeOpenAI((res, field) => {
      expect(field('stream')).toBeUndefined();
      res.send(200, bodies.shift(), { 'content-type': 'application/json' });
    });
    server = fake.server;
    const stt = STT({ apiKey: 'test-key', baseUrl: fake.url, stream: false });
    expect(await speak(stt.stream({ format: PCM16_8K }), [2000, false])).toEqual([]);
    expect(fake.hits()).toBe(0);
    expect(await speak(stt.stream({ format: PCM16_8K }), [300, false], [140, true], [300, false])).toEqual([]);
    const [no] = await speak(stt.stream({ format: PCM16_8K }), [300, false], [300, true], [300, false]);
    expect(no).toMatchObject({ text: 'No.', isFinal: true, speechFinal: true });
    expect(fake.hits()).toBe(2);
  });

  it('refuses whisper-1 with a pointer to @patter/whisper, and registers as openai_transcribe', () => {
    expect(() => new OpenAITranscribeSTT({ apiKey: 'k', model: 'whisper-1' })).toThrow(ConfigError);
    expect(() => new OpenAITranscribeSTT({ apiKey: 'k', model: 'whisper-1' })).toThrow(/^model: .*@patter\/whisper/);
    const stt = createSTT('openai_transcribe', { apiKey: 'k' });
    expect(stt).toBeInstanceOf(OpenAITranscribeSTT);
    expect([stt.key, (stt as OpenAITranscribeSTT).model]).toEqual(['openai_transcribe', 'gpt-4o-transcribe']);
  });

});

// The HTTP-STT behaviours (unknown option, a refused key, the env var, warmup), against the same fake.
describeHttpSTTBehaviour({
  name: 'OpenAITranscribeSTT',
  provider: 'openai_transcribe',
  envVar: 'OPENAI_API_KEY',
  format: PCM16_8K,
  serve: async () => {
    const fake = await fakeOpenAI(() => {});
    return { url: fake.url, requests: fake.hits, close: () => fake.server.close() };
  },
  create: (options) => new OpenAITranscribeSTT(options),
  createFromEnv: () => new OpenAITranscribeSTT(),
  utterance: () => [...frames(300, false), ...frames(600, true), ...frames(300, false)],
  misspelledOption: ['promt', 'prompt'],
});

// The shared STT contract: each request is one "connection", held open until the suite makes
// it speak; the answer streams the text as deltas then `transcript.text.done`.
{
  let server: FakeHttpServer | undefined;
  let requests: STTConformanceConnection[] = [];
  describeSTTConformance({
    name: 'OpenAITranscribeSTT',
    format: PCM16_16K,
    audioMatch: 'slice',
    finalizeAfterAudio: true,
    beforeEach: async () => {
      requests = [];
      server = await FakeHttpServer.start({
        'POST /v1/audio/transcriptions': (req, res) =>
          new Promise<void>((answered) => {
            const file = req.multipart().find((p) => p.name === 'file');
            const pcm = new Uint8Array(file?.data.subarray(44) ?? []);
            requests.push({
              audio: () => pcm,
              speak: async (text) => {
                const words = text.split(' ');
                const deltas = words.map((w, i) => ({ type: 'transcript.text.delta', delta: i === 0 ? w : ` ${w}` }));
                void res.sse([...deltas, { type: 'transcript.text.done', text }]).then(answered);
              },
            });
          }),
      });
    },
    afterEach: () => server?.close(),
    createProvider: () => new OpenAITranscribeSTT({ apiKey: 'test-key', baseUrl: `${server?.url}/v1`, closeTimeoutMs: 1000 }),
    connections: () => requests,
  });
}

describe.skipIf(!(process.env.PATTER_LIVE_TESTS && process.env.OPENAI_API_KEY))('OpenAITranscribeSTT live', () => {
  it('transcribes the "hello there" fixture, streamed', async () => {
    const fixture = loadFixture('hello-there');
    const stream = new OpenAITranscribeSTT({ model: 'gpt-4o-mini-transcribe' }).stream({ format: PCM16_16K });
    const out: Transcript[] = [];
    const done = (async () => {
      for await (const t of stream.transcripts()) out.push(t);
    })();
    for (let at = 0; at < fixture.bytes.length; at += 640) stream.sendAudio(fixture.bytes.subarray(at, at + 640));
    stream.finalize();
    await stream.close();
    await done;
    expect(out.filter((t) => t.isFinal).map((t) => t.text.toLowerCase()).join(' ')).toContain('hello');
  });
});
