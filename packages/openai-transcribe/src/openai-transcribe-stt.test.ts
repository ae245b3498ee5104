import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, PCM16_8K, ProviderAuthError, createSTT, type STTStream, type Transcript } from '@patter/core';
import { OpenAITranscribeSTT, STT } from './index.js';

const SSE_HELLO = [
  'event: transcript.text.delta\ndata: {"type":"transcript.text.delta","delta":"Hello"}\n\n',
  'event: transcript.text.delta\ndata: {"type":"transcript.text.delta","delta":" there"}\n\n',
  'data: {not json\n\n',
  'event: transcript.text.delta\ndata: {"type":"transcript.text.delta","delta":"."}\n\n',
  'event: transcript.text.done\ndata: {"type":"transcript.text.done","text":"Hello there.","usage":{"type":"tokens","input_tokens":28,"output_tokens":4,"total_tokens":32}}\n\n',
];

/** Loopback `POST /v1/audio/transcriptions` that checks what OpenAI checks, then runs `reply`. */
async function fakeOpenAI(reply: (res: ServerResponse, form: FormData) => void): Promise<{ url: string; forms: FormData[]; hits: () => number; server: Server }> {
  const forms: FormData[] = [];
  let hits = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    hits++;
    const error = (status: number, code: string) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: code, type: 'invalid_request_error', param: null, code } }));
    };
    if (req.method !== 'POST' || req.url !== '/v1/audio/transcriptions') return error(404, 'unknown_url');
    if (req.headers.authorization !== 'Bearer test-key') return error(401, 'invalid_api_key');
    void new Response(Readable.toWeb(req) as ReadableStream, { headers: { 'content-type': String(req.headers['content-type']) } })
      .formData()
      .then((form) => {
        const file = form.get('file');
        const model = String(form.get('model'));
        if (!(file instanceof File) || !file.name.endsWith('.wav') || file.type !== 'audio/wav') return error(400, 'invalid_file');
        if (!/^gpt-4o(-mini)?-transcribe/.test(model) || form.get('response_format') !== 'json') return error(400, 'invalid_value');
        forms.push(form);
        reply(res, form);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`, forms, hits: () => hits, server };
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
  let server: Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
  });

  it('streams deltas as interims, then the final (protocol fixture "hello there")', async () => {
    const fake = await fakeOpenAI((res, form) => {
      expect(form.get('stream')).toBe('true');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const event of SSE_HELLO) res.write(event);
      res.end();
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
    expect(fake.forms[0]?.get('model')).toBe('gpt-4o-mini-transcribe');
    expect(fake.forms[0]?.get('language')).toBe('en');
  });

  it('without streaming reads the JSON body; a silent clip posts nothing; "Thank you." on a blip is dropped', async () => {
    const bodies = ['{"text":"Thank you.","usage":{"type":"duration","seconds":1}}', '{"text":"No.","usage":{"type":"tokens","input_tokens":5}}'];
    const fake = await fakeOpenAI((res, form) => {
      expect(form.get('stream')).toBeNull();
      res.writeHead(200, { 'content-type': 'application/json' }).end(bodies.shift());
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

  it('a 401 fails the stream naming OPENAI_API_KEY and is not retried', async () => {
    const fake = await fakeOpenAI(() => {});
    server = fake.server;
    const stt = new OpenAITranscribeSTT({ apiKey: 'wrong', baseUrl: fake.url });
    const error = await speak(stt.stream({ format: PCM16_8K }), [600, true]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect((error as Error).message).toContain('OPENAI_API_KEY');
    expect(fake.hits()).toBe(1);
  });

  it('refuses whisper-1 with a pointer to @patter/whisper, and registers as openai_transcribe', () => {
    expect(() => new OpenAITranscribeSTT({ apiKey: 'k', model: 'whisper-1' })).toThrow(ConfigError);
    expect(() => new OpenAITranscribeSTT({ apiKey: 'k', model: 'whisper-1' })).toThrow(/^model: .*@patter\/whisper/);
    const stt = createSTT('openai_transcribe', { apiKey: 'k' });
    expect(stt).toBeInstanceOf(OpenAITranscribeSTT);
    expect([stt.key, (stt as OpenAITranscribeSTT).model]).toEqual(['openai_transcribe', 'gpt-4o-transcribe']);
  });
});
