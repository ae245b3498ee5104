import {
  ALAW_8K,
  ConfigError,
  MULAW_8K,
  PCM16_16K,
  ProviderAuthError,
  StreamIdleTimeoutError,
  createTTS,
  type Logger,
} from '@patter/core';
import { TTSStreamError, conversionChain, negotiateFormat } from '@patter/core/plugin';
import { FakeHttpServer, FakeWebSocketServer, type FakeWebSocketConnection } from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ElevenLabsTTS, TTS } from './index.js';

let fake: FakeWebSocketServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const VOICE = '21m00Tcm4TlvDq8ikWAM';

/** The stream-input endpoint: checks the key header, answers audio in the chunks given, then isFinal. */
async function startFake(chunks: (conn: FakeWebSocketConnection) => Promise<void>): Promise<FakeWebSocketServer> {
  return FakeWebSocketServer.start({
    onUpgrade: (req) => {
      if (!/^\/v1\/text-to-speech\/[^/]+\/stream-input$/.test(req.path)) return { reject: { status: 404 } };
      if (req.headers['xi-api-key'] !== 'test-key') return { reject: { status: 401, body: '{"detail":{"status":"invalid_api_key"}}' } };
      return undefined;
    },
    onConnection: async (conn) => {
      const init = await conn.waitForJson<{ text: string }>();
      if (init.text !== ' ') throw new Error('first message must be a single space');
      await conn.waitForJson<{ text: string }>((m) => m.text !== ' ' && m.text !== '');
      await chunks(conn);
    },
  });
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger & { warnings: string[] } = {
    warnings,
    debug: () => {},
    info: () => {},
    warn: (_f, m) => warnings.push(m),
    error: () => {},
    child: () => logger,
  };
  return logger;
}

async function collect(iterable: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of iterable) parts.push(chunk);
  return Buffer.concat(parts);
}

describe('ElevenLabsTTS (WebSocket)', () => {
  it('replays the "Hello there." fixture: URL, header, messages, audio in order', async () => {
    fake = await startFake(async (conn) => {
      await conn.send({ audio: 'AAAAAAAAAAA=', isFinal: false, normalizedAlignment: null, alignment: null });
      await conn.send({ audio: 'AAAAAAAAAAAAAAAAAAAAAA==', isFinal: false, normalizedAlignment: null, alignment: null });
      await conn.waitForJson<{ text: string }>((m) => m.text === '');
      await conn.send({ isFinal: true });
      await conn.close(1000);
    });
    const tts = new ElevenLabsTTS({ apiKey: 'test-key', voiceId: VOICE, baseUrl: fake.httpUrl, voiceSettings: { stability: 0.5, similarityBoost: 0.75, speed: 1 } });
    const usage: { characters: number }[] = [];
    const audio = await collect(tts.synthesize('Hello there.', { format: PCM16_16K, onUsage: (u) => usage.push(u) }));
    expect(audio).toEqual(Buffer.alloc(24));
    expect(usage).toEqual([{ characters: 12 }]);
    const conn = fake.connections[0]!;
    expect(conn.path).toBe(`/v1/text-to-speech/${VOICE}/stream-input`);
    expect(Object.fromEntries(conn.query)).toEqual({ model_id: 'eleven_flash_v2_5', output_format: 'pcm_16000', auto_mode: 'true' });
    expect(conn.jsonMessages()).toEqual([
      { text: ' ', voice_settings: { stability: 0.5, similarity_boost: 0.75, speed: 1 } },
      { text: 'Hello there. ', flush: true },
      { text: '' },
    ]);
  });

  it('asks for the carrier format (ulaw_8000 on Twilio) unless the user pinned one, which is never overridden', async () => {
    const answer = async (conn: FakeWebSocketConnection) => {
      await conn.send({ audio: Buffer.from([1, 2, 3]).toString('base64') });
      await conn.send({ isFinal: true });
    };
    fake = await startFake(answer);
    const carrierDerived = new ElevenLabsTTS({ apiKey: 'test-key', baseUrl: fake.httpUrl });
    expect(carrierDerived.outputFormats).toContainEqual(MULAW_8K);
    await collect(carrierDerived.synthesize('Hi', { format: MULAW_8K }));
    expect(fake.connections[0]!.query.get('output_format')).toBe('ulaw_8000');

    const pinned = new ElevenLabsTTS({ apiKey: 'test-key', baseUrl: fake.httpUrl, outputFormat: 'pcm_16000' });
    expect(pinned.outputFormats).toEqual([PCM16_16K]);
    await collect(pinned.synthesize('Hi'));
    expect(fake.connections[1]!.query.get('output_format')).toBe('pcm_16000');
    await expect(collect(pinned.synthesize('Hi', { format: MULAW_8K }))).rejects.toBeInstanceOf(ConfigError);
    expect(ElevenLabsTTS.forTwilio({ apiKey: 'k' }).outputFormats).toEqual([MULAW_8K]);
    // Telnyx plays PCMU/PCMA 8 kHz: the shortcut asks for the carrier's own codec, so its audio passes untouched.
    expect(ElevenLabsTTS.forTelnyx({ apiKey: 'k' }).outputFormats).toEqual([MULAW_8K]);
    expect(ElevenLabsTTS.forTelnyx({ apiKey: 'k', codec: 'PCMA' }).outputFormats).toEqual([ALAW_8K]);
    expect(conversionChain(negotiateFormat(ALAW_8K, ElevenLabsTTS.forTelnyx({ apiKey: 'k', codec: 'PCMA' }).outputFormats).target, ALAW_8K)).toEqual([]);
  });

  it('the carrier-derived format flips with the carrier (as the session negotiates it); an explicit one never does', async () => {
    fake = await startFake(async (conn) => {
      await conn.send({ audio: Buffer.alloc(4).toString('base64') });
      await conn.send({ isFinal: true });
    });
    const derived = new ElevenLabsTTS({ apiKey: 'test-key', baseUrl: fake.httpUrl });
    const twilio = negotiateFormat(MULAW_8K, derived.outputFormats);
    const telnyx16k = negotiateFormat(PCM16_16K, derived.outputFormats);
    expect(twilio.chain).toEqual([]);
    expect(telnyx16k.chain).toEqual([]);
    await collect(derived.synthesize('Hi', { format: twilio.target }));
    await collect(derived.synthesize('Hi', { format: telnyx16k.target }));

    const pinned = new ElevenLabsTTS({ apiKey: 'test-key', baseUrl: fake.httpUrl, outputFormat: 'pcm_16000' });
    const onTwilio = negotiateFormat(MULAW_8K, pinned.outputFormats);
    expect(onTwilio.target).toEqual(PCM16_16K);
    expect(onTwilio.chain.length).toBeGreaterThan(0); // the session converts; the vendor is not asked for μ-law
    await collect(pinned.synthesize('Hi', { format: onTwilio.target }));
    expect(fake.connections.map((c) => c.query.get('output_format'))).toEqual(['ulaw_8000', 'pcm_16000', 'pcm_16000']);
  });

  it('logs and drops malformed or non-object JSON without failing the utterance', async () => {
    const pcm = Buffer.from(Array.from({ length: 20 }, (_, i) => i));
    fake = await startFake(async (conn) => {
      await conn.send({ audio: pcm.subarray(0, 7).toString('base64') });
      await conn.send('{"audio": "AAAA');
      await conn.send('null');
      await conn.send('42');
      await conn.send({ audio: pcm.subarray(7).toString('base64'), isFinal: null });
      await conn.send({ isFinal: true });
    });
    const logger = recordingLogger();
    const audio = await collect(new ElevenLabsTTS({ apiKey: 'test-key', baseUrl: fake.httpUrl, logger }).synthesize('Hi', { format: PCM16_16K }));
    expect(audio).toEqual(pcm);
    expect(logger.warnings).toEqual([
      'elevenlabs sent malformed JSON; dropped',
      'elevenlabs sent a message that is not an object; dropped',
      'elevenlabs sent a message that is not an object; dropped',
    ]);
  });

  it('a socket dropped mid-stream (close 1011) after audio throws TTSStreamError, with no retry', async () => {
    fake = await startFake(async (conn) => {
      await conn.send({ audio: Buffer.alloc(321, 1).toString('base64') });
      await conn.close(1011, 'internal error');
    });
    const seen: Uint8Array[] = [];
    const error = await (async () => {
      for await (const chunk of new ElevenLabsTTS({ apiKey: 'test-key', baseUrl: fake!.httpUrl }).synthesize('Hi', { format: PCM16_16K })) seen.push(chunk);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TTSStreamError);
    expect(error).toMatchObject({ provider: 'elevenlabs_ws', retryable: false, bytesEmitted: 320 });
    expect(Buffer.concat(seen)).toEqual(Buffer.alloc(320, 1));
    expect(fake.upgrades).toHaveLength(1);
  });

  it('a socket closed before any audio is a connection error (clear, typed)', async () => {
    fake = await startFake(async (conn) => {
      await conn.close(1011, 'internal error');
    });
    const error = await collect(new ElevenLabsTTS({ apiKey: 'test-key', baseUrl: fake.httpUrl }).synthesize('Hi')).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProviderConnectionError', provider: 'elevenlabs_ws' });
    expect((error as Error).message).toContain('1011');
  });

  it('warmup() reaches the API host and never throws; registers as "elevenlabs_ws"', async () => {
    const http = await FakeHttpServer.start((_req, res) => res.send(200));
    try {
      await new ElevenLabsTTS({ apiKey: 'k', baseUrl: http.url, logger: recordingLogger() }).warmup();
      expect(http.requests).toHaveLength(1);
    } finally {
      await http.close();
    }
    await expect(new ElevenLabsTTS({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9', logger: recordingLogger() }).warmup()).resolves.toBeUndefined();
    expect(createTTS('elevenlabs_ws', { apiKey: 'k' })).toBeInstanceOf(ElevenLabsTTS);
  });

  it('re-aligns odd-sized audio messages so no sample is split', async () => {
    const pcm = Buffer.from(Array.from({ length: 40 }, (_, i) => i));
    fake = await startFake(async (conn) => {
      for (const [a, b] of [[0, 3], [3, 4], [4, 17], [17, 40]] as const) await conn.send({ audio: pcm.subarray(a, b).toString('base64') });
      await conn.send({ isFinal: true });
    });
    const chunks: number[] = [];
    const parts: Uint8Array[] = [];
    for await (const chunk of new ElevenLabsTTS({ apiKey: 'test-key', baseUrl: fake.httpUrl }).synthesize('Hi', { format: PCM16_16K })) {
      chunks.push(chunk.length);
      parts.push(chunk);
    }
    expect(chunks.every((n) => n % 2 === 0)).toBe(true);
    expect(Buffer.concat(parts)).toEqual(pcm);
  });

  it('stops within one turn of an abort: the fake sees the socket closed and nothing is emitted after', async () => {
    fake = await startFake(async (conn) => {
      await conn.send({ audio: Buffer.alloc(320).toString('base64') });
      await conn.sendAfter(200, { audio: Buffer.alloc(320).toString('base64') });
    });
    const controller = new AbortController();
    const seen: number[] = [];
    for await (const chunk of new ElevenLabsTTS({ apiKey: 'test-key', baseUrl: fake.httpUrl }).synthesize('Hello', { signal: controller.signal, format: PCM16_16K })) {
      seen.push(chunk.length);
      controller.abort();
    }
    const closed = await fake.connections[0]!.closed;
    expect(seen).toEqual([320]);
    expect(closed.byServer).toBe(false);
  });

  it('turns a vendor error message into a typed error', async () => {
    fake = await startFake(async (conn) => {
      await conn.send({ message: 'Have not received a new text input within the timeout of 20.0 seconds.', error: 'input_timeout_exceeded', code: 1008 });
      await conn.close(1008, 'timeout');
    });
    const error = await collect(new ElevenLabsTTS({ apiKey: 'test-key', baseUrl: fake.httpUrl }).synthesize('Hi')).catch((e: unknown) => e);
    expect(error).toMatchObject({ provider: 'elevenlabs_ws', retryable: false });
    expect((error as Error).message).toContain('input_timeout_exceeded');
  });

  it('a wrong key (invalid_api_key error frame, then close 1008) is a ProviderAuthError naming ELEVENLABS_API_KEY, not retried, and counts no characters', async () => {
    fake = await FakeWebSocketServer.start({
      onConnection: async (conn) => {
        await conn.waitForJson<{ text: string }>((m) => m.text === '');
        await conn.send({ message: 'Invalid API key', error: 'invalid_api_key', code: 1008 });
        await conn.close(1008, 'invalid_api_key');
      },
    });
    const usage: { characters: number }[] = [];
    const error = await collect(new ElevenLabsTTS({ apiKey: 'wrong', baseUrl: fake.httpUrl }).synthesize('Hello there.', { onUsage: (u) => usage.push(u) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect(error).toMatchObject({ provider: 'elevenlabs_ws', retryable: false, status: 401 });
    expect((error as Error).message).toContain('ELEVENLABS_API_KEY');
    expect(usage).toEqual([]);
    expect(fake.upgrades).toHaveLength(1);
  });

  it('a bare close 1008 (request refused) is not retryable; a bare close 1008 naming the key is an auth error', async () => {
    let reason = 'policy violation';
    fake = await FakeWebSocketServer.start({
      onConnection: async (conn) => {
        await conn.waitForJson<{ text: string }>((m) => m.text === '');
        await conn.close(1008, reason);
      },
    });
    const tts = new ElevenLabsTTS({ apiKey: 'test-key', baseUrl: fake.httpUrl });
    const refused = await collect(tts.synthesize('Hi')).catch((e: unknown) => e);
    expect(refused).toMatchObject({ provider: 'elevenlabs_ws', retryable: false });
    expect((refused as Error).message).toContain('1008');
    reason = 'Invalid API key';
    const auth = await collect(tts.synthesize('Hi')).catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(ProviderAuthError);
    expect((auth as Error).message).toContain('ELEVENLABS_API_KEY');
  });

  it('a socket that goes quiet is closed after idleTimeoutMs: StreamIdleTimeoutError before audio, TTSStreamError after', async () => {
    let sendAudio = false;
    fake = await FakeWebSocketServer.start({
      onConnection: async (conn) => {
        await conn.waitForJson<{ text: string }>((m) => m.text === '');
        if (sendAudio) await conn.send({ audio: Buffer.alloc(320, 1).toString('base64') });
        // then nothing: no more audio, no isFinal, the socket stays open
      },
    });
    const tts = new ElevenLabsTTS({ apiKey: 'test-key', baseUrl: fake.httpUrl, idleTimeoutMs: 250 });
    const started = performance.now();
    const quiet = await collect(tts.synthesize('Hi', { format: PCM16_16K })).catch((e: unknown) => e);
    const waited = performance.now() - started;
    expect(quiet).toBeInstanceOf(StreamIdleTimeoutError);
    expect(quiet).toMatchObject({ provider: 'elevenlabs_ws', idleMs: 250 });
    expect(waited).toBeGreaterThanOrEqual(240);
    expect(waited).toBeLessThan(3_000);
    expect((await fake.connections[0]!.closed).byServer).toBe(false); // we closed it

    sendAudio = true;
    const seen: Uint8Array[] = [];
    const stalled = await (async () => {
      for await (const chunk of tts.synthesize('Hi', { format: PCM16_16K })) seen.push(chunk);
    })().catch((e: unknown) => e);
    expect(stalled).toBeInstanceOf(TTSStreamError);
    expect(stalled).toMatchObject({ provider: 'elevenlabs_ws', bytesEmitted: 320 });
    expect(StreamIdleTimeoutError.isStall(stalled)).toBe(true);
    expect(Buffer.concat(seen)).toEqual(Buffer.alloc(320, 1));
    expect(() => new ElevenLabsTTS({ apiKey: 'k', idleTimeoutMs: -1 })).toThrow(/^idleTimeoutMs:/);
  });

  it('fails a 401 without retrying, naming ELEVENLABS_API_KEY', async () => {
    fake = await startFake(async () => {});
    const error = await collect(new ElevenLabsTTS({ apiKey: 'wrong', baseUrl: fake.httpUrl }).synthesize('Hi')).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect((error as Error).message).toContain('ELEVENLABS_API_KEY');
    expect(fake.upgrades).toHaveLength(1);
  });

  it('retries a 429 handshake before any audio', async () => {
    let refused = false;
    fake = await FakeWebSocketServer.start({
      onUpgrade: () => {
        if (refused) return undefined;
        refused = true;
        return { reject: { status: 429, headers: { 'retry-after': '0' } } };
      },
      onConnection: async (conn) => {
        await conn.waitForJson<{ text: string }>((m) => m.text === '');
        await conn.send({ audio: 'AAAA' });
        await conn.send({ isFinal: true });
      },
    });
    const audio = await collect(new ElevenLabsTTS({ apiKey: 'test-key', baseUrl: fake.httpUrl }).synthesize('Hi', { format: PCM16_16K }));
    expect(audio.length).toBe(2); // 'AAAA' is 3 bytes: the odd byte waits for its pair
    expect(fake.upgrades.map((u) => u.status)).toEqual([429, 101]);
  });

  it('rejects eleven_v3 on the socket class, pointing to the REST class', () => {
    expect(() => new ElevenLabsTTS({ apiKey: 'k', model: 'eleven_v3' })).toThrow(/^model: .*ElevenLabsRestTTS/);
  });

  it('honours chunkLengthSchedule only with autoMode off, and warns otherwise', async () => {
    const logger = recordingLogger();
    new ElevenLabsTTS({ apiKey: 'k', chunkLengthSchedule: [120, 160], logger });
    expect(logger.warnings).toEqual([expect.stringContaining('chunkLengthSchedule is ignored while autoMode is on')]);

    fake = await startFake(async (conn) => {
      await conn.send({ audio: 'AAAA' });
      await conn.send({ isFinal: true });
    });
    await collect(new ElevenLabsTTS({ apiKey: 'test-key', baseUrl: fake.httpUrl, autoMode: false, chunkLengthSchedule: [120, 160] }).synthesize('Hi'));
    const conn = fake.connections[0]!;
    expect(conn.query.get('auto_mode')).toBeNull();
    expect(conn.jsonMessages()[0]).toEqual({ text: ' ', generation_config: { chunk_length_schedule: [120, 160] } });
  });

  it('sends language_code when set, and names ELEVENLABS_API_KEY when no key is configured', async () => {
    fake = await startFake(async (conn) => {
      await conn.send({ audio: 'AAAA' });
      await conn.send({ isFinal: true });
    });
    await collect(TTS({ apiKey: 'test-key', baseUrl: fake.httpUrl, languageCode: 'de' }).synthesize('Hallo'));
    expect(fake.connections[0]!.query.get('language_code')).toBe('de');
    const saved = process.env.ELEVENLABS_API_KEY;
    delete process.env.ELEVENLABS_API_KEY;
    try {
      expect(() => TTS()).toThrow(/ELEVENLABS_API_KEY/);
    } finally {
      if (saved !== undefined) process.env.ELEVENLABS_API_KEY = saved;
    }
  });
});
