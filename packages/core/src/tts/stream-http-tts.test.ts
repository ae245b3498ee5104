import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { MULAW_8K, PCM16_16K } from '../audio/audio-format.js';
import { encodeWav } from '../audio/wav.js';
import { ProviderAuthError, ProviderStatusError } from '../errors/provider-error.js';
import { StreamIdleTimeoutError } from '../errors/stream-idle-timeout-error.js';
import { streamHttpTTS, type StreamHttpTTSOptions } from './stream-http-tts.js';
import { TTSStreamError } from './tts-stream-error.js';
import type { TTSUsage } from './tts-provider.js';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

type Handler = (req: IncomingMessage, res: ServerResponse, body: string, n: number) => void;

async function listen(handler: Handler): Promise<string> {
  let n = 0;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => handler(req, res, body, ++n));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const AUDIO = Buffer.from(Array.from({ length: 2002 }, (_, i) => (i * 13) & 0xff));
const SIZES = [1, 7, 2, 33, 160, 5, 999];

async function writeIrregular(res: ServerResponse, audio: Uint8Array = AUDIO): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  for (let offset = 0, i = 0; offset < audio.length; i++) {
    const size = SIZES[i % SIZES.length] as number;
    res.write(audio.subarray(offset, offset + size));
    offset += size;
    await new Promise((r) => setImmediate(r));
  }
  res.end();
}

function options(url: string, extra: Partial<StreamHttpTTSOptions> = {}): StreamHttpTTSOptions {
  return { provider: 'acme_tts', url: `${url}/speak`, body: { text: 'hi' }, format: PCM16_16K, characters: 2, apiKeyEnv: 'ACME_API_KEY', minDelayMs: 1, ...extra };
}

async function collect(iterable: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of iterable) out.push(chunk);
  return out;
}

describe('streamHttpTTS', () => {
  it('yields the whole audio, every chunk whole samples, and reports usage once', async () => {
    let received = '';
    const url = await listen((_req, res, body) => {
      received = body;
      void writeIrregular(res);
    });
    const usage: TTSUsage[] = [];
    const chunks = await collect(streamHttpTTS(options(url, { onUsage: (u) => usage.push(u) })));
    expect(JSON.parse(received)).toEqual({ text: 'hi' });
    expect(chunks.every((c) => c.length % 2 === 0 && c.length > 0)).toBe(true);
    expect(Buffer.concat(chunks)).toEqual(AUDIO);
    expect(usage).toEqual([{ characters: 2 }]);
  });

  it('asks undici to buffer 16 KiB of a PCM16 body ahead of the reader, and leaves G.711 at its default', async () => {
    const asked: unknown[] = [];
    class RecordingAgent extends Agent {
      override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
        asked.push((opts as { highWaterMark?: number }).highWaterMark);
        return super.dispatch(opts, handler);
      }
    }
    const dispatcher = new RecordingAgent();
    const url = await listen((_req, res) => void writeIrregular(res));
    try {
      await collect(streamHttpTTS(options(url, { dispatcher })));
      await collect(streamHttpTTS(options(url, { dispatcher, format: MULAW_8K })));
    } finally {
      await dispatcher.close();
    }
    expect(asked).toEqual([16 * 1024, undefined]);
  });

  it('a PCM16 body far larger than its 16 KiB buffer, read slowly, arrives whole and in order', async () => {
    // 256 KiB written at once, read slowly: undici pauses the body each time 16 KiB wait unread.
    const audio = Buffer.from(Array.from({ length: 256 * 1024 }, (_, i) => (i * 7 + (i >> 9)) & 0xff));
    const url = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(audio);
    });
    const chunks: Uint8Array[] = [];
    for await (const chunk of streamHttpTTS(options(url))) {
      chunks.push(Uint8Array.from(chunk));
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(Buffer.concat(chunks).equals(audio)).toBe(true);
  });

  it('retries a 429 before the first byte, honouring retry-after', async () => {
    const times: number[] = [];
    const url = await listen((_req, res, _body, n) => {
      times.push(Date.now());
      if (n === 1) res.writeHead(429, { 'retry-after': '0.3' }).end('{"error":"slow down"}');
      else void writeIrregular(res);
    });
    const chunks = await collect(streamHttpTTS(options(url)));
    expect(times).toHaveLength(2);
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(280);
    expect(Buffer.concat(chunks)).toEqual(AUDIO);
  });

  it('fails a 401 at once naming the env var, without retrying', async () => {
    let requests = 0;
    const url = await listen((_req, res) => {
      requests++;
      res.writeHead(401).end('{"error":"bad key"}');
    });
    const error = await collect(streamHttpTTS(options(url))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect((error as Error).message).toContain('ACME_API_KEY');
    expect(requests).toBe(1);
  });

  it('gives up on a 500 after the retries with a status error', async () => {
    let requests = 0;
    const url = await listen((_req, res) => {
      requests++;
      res.writeHead(500).end('{oops');
    });
    const error = await collect(streamHttpTTS(options(url, { retries: 1 }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderStatusError);
    expect(error).toMatchObject({ status: 500, retryable: true, body: '{oops' });
    expect(requests).toBe(2);
  });

  it('never retries once audio began: a dropped stream throws TTSStreamError', async () => {
    let requests = 0;
    const url = await listen((_req, res) => {
      requests++;
      res.writeHead(200);
      res.write(AUDIO.subarray(0, 301));
      setTimeout(() => res.destroy(), 20);
    });
    const seen: Uint8Array[] = [];
    const error = await (async () => {
      for await (const chunk of streamHttpTTS(options(url))) seen.push(chunk);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TTSStreamError);
    expect(error).toMatchObject({ retryable: false, bytesEmitted: 300 });
    expect(Buffer.concat(seen)).toEqual(AUDIO.subarray(0, 300));
    expect(requests).toBe(1);
  });

  it('on abort closes the request and ends within one event-loop turn, emitting nothing after', async () => {
    let sawClose!: () => void;
    const closed = new Promise<void>((resolve) => (sawClose = resolve));
    const url = await listen((_req, res) => {
      res.writeHead(200);
      res.write(AUDIO.subarray(0, 320));
      res.on('close', () => sawClose());
      const timer = setInterval(() => res.write(AUDIO.subarray(0, 320)), 5);
      res.on('close', () => clearInterval(timer));
    });
    const controller = new AbortController();
    const seen: Uint8Array[] = [];
    let ended = false;
    const done = (async () => {
      for await (const chunk of streamHttpTTS(options(url, { signal: controller.signal }))) seen.push(chunk);
      ended = true;
    })();
    while (seen.length < 2) await new Promise((r) => setTimeout(r, 1));
    controller.abort();
    const count = seen.length;
    await new Promise((r) => setImmediate(r));
    expect(ended).toBe(true);
    await done;
    await closed;
    await new Promise((r) => setTimeout(r, 30));
    expect(seen.length).toBe(count);
  });

  it('an abort before the headers or during a retry wait ends at once without a request left open', async () => {
    let sawClose!: () => void;
    const closed = new Promise<void>((resolve) => (sawClose = resolve));
    let requests = 0;
    const url = await listen((req, res, _body, n) => {
      requests++;
      if (n === 1) {
        res.on('close', () => sawClose());
        return; // never answers
      }
      res.writeHead(503, { 'retry-after': '30' }).end();
    });
    const early = new AbortController();
    const first = collect(streamHttpTTS(options(url, { signal: early.signal })));
    while (requests < 1) await new Promise((r) => setTimeout(r, 1));
    early.abort();
    await expect(first).resolves.toEqual([]);
    await closed;

    const waiting = new AbortController();
    const started = Date.now();
    const second = collect(streamHttpTTS(options(url, { signal: waiting.signal })));
    while (requests < 2) await new Promise((r) => setTimeout(r, 1));
    await new Promise((r) => setTimeout(r, 20));
    waiting.abort();
    await expect(second).resolves.toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(requests).toBe(2);
  });

  it('a stream that ends without audio is an error and is not retried', async () => {
    let requests = 0;
    const url = await listen((_req, res) => {
      requests++;
      res.writeHead(200).end();
    });
    const error = await collect(streamHttpTTS(options(url))).catch((e: unknown) => e);
    expect(error).toMatchObject({ provider: 'acme_tts', retryable: false, message: 'acme_tts: response carried no audio' });
    expect(requests).toBe(1);
  });

  it('strips a WAV header split across chunks and decodes through a custom decoder', async () => {
    const pcm = AUDIO.subarray(0, 400);
    const wav = encodeWav(pcm, PCM16_16K);
    const url = await listen((_req, res) => {
      res.writeHead(200);
      res.write(wav.subarray(0, 10));
      setTimeout(() => res.end(wav.subarray(10)), 5);
    });
    const chunks = await collect(streamHttpTTS(options(url, { wavHeader: 'stream' })));
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(pcm));

    const reversed = await collect(
      streamHttpTTS(
        options(url, {
          wavHeader: 'stream',
          decode: async function* (body) {
            for await (const chunk of body) yield Uint8Array.from(chunk);
          },
        }),
      ),
    );
    expect(Buffer.concat(reversed)).toEqual(Buffer.from(pcm));
  });

  it('a body that stalls before its first byte is aborted after idleTimeoutMs with StreamIdleTimeoutError, not retried', async () => {
    let requests = 0;
    let closedByClient: Promise<void> | undefined;
    const url = await listen((_req, res) => {
      requests++;
      res.writeHead(200);
      res.flushHeaders();
      closedByClient = new Promise((resolve) => res.once('close', () => resolve()));
    });
    const started = performance.now();
    const error = await collect(streamHttpTTS(options(url, { idleTimeoutMs: 200 }))).catch((e: unknown) => e);
    const waited = performance.now() - started;
    expect(error).toBeInstanceOf(StreamIdleTimeoutError);
    expect(error).toMatchObject({ provider: 'acme_tts', retryable: false, idleMs: 200 });
    expect(waited).toBeGreaterThanOrEqual(190);
    expect(waited).toBeLessThan(3_000);
    expect(requests).toBe(1);
    await closedByClient; // the request was destroyed, not left open
  });

  it('a body that stalls after some audio throws TTSStreamError caused by the stall, after the audio it had', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(200);
      res.write(AUDIO.subarray(0, 640));
    });
    const seen: Uint8Array[] = [];
    const error = await (async () => {
      for await (const chunk of streamHttpTTS(options(url, { idleTimeoutMs: 200 }))) seen.push(chunk);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TTSStreamError);
    expect(error).toMatchObject({ provider: 'acme_tts', bytesEmitted: 640 });
    expect((error as Error).cause).toBeInstanceOf(StreamIdleTimeoutError);
    expect(StreamIdleTimeoutError.isStall(error)).toBe(true);
    expect(Buffer.concat(seen)).toEqual(AUDIO.subarray(0, 640));
  });

  it('no response headers within idleTimeoutMs (timeoutMs unset) is a stall too: StreamIdleTimeoutError, not retried', async () => {
    let requests = 0;
    const url = await listen(() => {
      requests++; // never answers
    });
    const started = performance.now();
    const error = await collect(streamHttpTTS(options(url, { idleTimeoutMs: 200 }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamIdleTimeoutError);
    expect(error).toMatchObject({ provider: 'acme_tts', idleMs: 200 });
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(requests).toBe(1);
  });
});
