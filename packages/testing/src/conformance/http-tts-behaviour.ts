import { ConfigError, ProviderAuthError, ProviderStatusError, type Logger, type TTSProvider } from '@patter/core';
import { TTSStreamError } from '@patter/core/plugin';
import type { FakeHttpResponse } from '../fakes/fake-http-response.js';
import { assert, assertBytesEqual, assertEqual, fail, tick, withTimeout } from './check-helpers.js';
import type { ConformanceCheck } from './conformance-check.js';

/** The vendor's loopback fake, as the behaviour checks drive it (the shape plugin test fakes already return). */
export interface HttpTTSFake {
  readonly url: string;
  /** Requests the fake received (refused ones included). */
  requests(): number;
  /** The exchanges it accepted, in order: `done` settles when one is over, `closed` says the client closed it first. */
  readonly hits: readonly { readonly closed: boolean; readonly done: Promise<void> }[];
}

/**
 * A plugin whose TTS streams raw audio over one HTTP response per utterance (Cartesia `/tts/bytes`,
 * LMNT, Rime, OpenAI speech …). The fake is the plugin's own: it checks each request as the vendor
 * does, refuses a key other than `apiKey` with the vendor's 401, and lets `reply` answer valid ones.
 */
export interface HttpTTSBehaviourHarness {
  /** Suite title prefix, e.g. `'CartesiaTTS'`. */
  readonly name: string;
  /** The provider key its errors carry (`cartesia_tts`). */
  readonly provider: string;
  /** The env var a refused key's error names (`CARTESIA_API_KEY`). */
  readonly envVar: string;
  /** The key the fake accepts. Default `'test-key'`. */
  readonly apiKey?: string;
  /** Bytes per sample of the default output (the provider emits whole samples). Default 2 (PCM16). */
  readonly sampleBytes?: number;
  /** Starts the fake; `reply` answers each valid request (`n` counts requests from 1). */
  serve(reply: (res: FakeHttpResponse, n: number) => void): Promise<HttpTTSFake>;
  /** The provider pointed at the fake. */
  create(options: { readonly apiKey: string; readonly baseUrl: string; readonly logger: Logger }): TTSProvider;
  /** The provider with no options at all (its key from `envVar`): checks the env var is read and its absence named. */
  createFromEnv?(): TTSProvider;
  /**
   * The response body the vendor sends for `audio`, which the provider must turn back into exactly
   * `audio`. Default: the raw bytes. (Inworld: NDJSON lines of base64 WAV chunks.) The checks cut
   * the body at odd byte offsets.
   */
  responseBody?(audio: Uint8Array): Uint8Array;
}

const AUDIO = Uint8Array.from({ length: 3200 }, (_, i) => (i * 31 + 7) & 0xff);
const SIZES = [1, 3, 64, 2, 7, 500, 33, 1000];
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

/** `audio` cut at odd offsets, as a network delivers it. */
function irregular(audio: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let offset = 0, i = 0; offset < audio.length; i++) {
    const size = SIZES[i % SIZES.length] as number;
    chunks.push(audio.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}


async function synthesizeAll(tts: TTSProvider, text: string, signal?: AbortSignal): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of tts.synthesize(text, signal ? { signal } : {})) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function errorOf(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  return fail('expected the synthesis to fail');
}

/** The HTTP transport behaviours every streaming-HTTP TTS plugin shares: abort, auth, retry, mid-stream and body errors, warmup. */
export function httpTTSBehaviourChecks(harness: HttpTTSBehaviourHarness): ConformanceCheck[] {
  const apiKey = harness.apiKey ?? 'test-key';
  const sampleBytes = harness.sampleBytes ?? 2;
  const provider = (fake: HttpTTSFake, key = apiKey) => harness.create({ apiKey: key, baseUrl: fake.url, logger: quiet });
  const body = harness.responseBody ?? ((audio: Uint8Array) => audio);
  const streamAudio = (res: FakeHttpResponse): void => {
    void res.stream({ headers: { 'content-type': 'application/octet-stream' }, chunks: irregular(body(AUDIO)) });
  };
  return [
    {
      name: 'on abort the fake sees the request closed and nothing is emitted after',
      run: async () => {
        const fake = await harness.serve((res) => {
          const piece = body(AUDIO.subarray(0, 321));
          void res.stream({ chunks: Array.from({ length: 2000 }, () => piece), delayMs: 2, then: 'hang' });
        });
        const controller = new AbortController();
        let seen = 0;
        let atAbort = -1;
        for await (const _chunk of provider(fake).synthesize('Hello there.', { signal: controller.signal })) {
          seen++;
          if (seen === 3) {
            controller.abort();
            atAbort = seen;
          }
        }
        assertEqual(seen, atAbort, 'chunks yielded (none after the abort)');
        const hit = fake.hits.at(-1);
        await withTimeout(hit?.done ?? Promise.resolve(), 5_000, 'the request to close');
        assert(hit?.closed === true, 'the fake did not see the request closed');
        await tick(20);
        assertEqual(seen, atAbort, 'chunks yielded (none after the abort)');
      },
    },
    {
      name: `a 401 names ${harness.envVar} (not the key) and is not retried`,
      run: async () => {
        const fake = await harness.serve(streamAudio);
        const error = await errorOf(synthesizeAll(provider(fake, 'wrong'), 'Hi.'));
        assert(error instanceof ProviderAuthError, `expected ProviderAuthError, got ${String(error)}`);
        assert(error.message.includes(harness.envVar), `the message does not name ${harness.envVar}: ${error.message}`);
        assert(!error.message.includes('wrong'), 'the message carries the refused key');
        assertEqual(fake.requests(), 1, 'requests');
      },
    },
    {
      name: 'a 429 with retry-after is retried before the first byte',
      run: async () => {
        const fake = await harness.serve((res, n) => {
          if (n === 1) res.send(429, '{"error":{"type":"rate_limit_error"}}', { 'retry-after': '0.05', 'content-type': 'application/json' });
          else streamAudio(res);
        });
        assertBytesEqual(await synthesizeAll(provider(fake), 'Hi.'), AUDIO, 'audio after the retry');
        assertEqual(fake.requests(), 2, 'requests');
      },
    },
    {
      name: 'a connection cut mid-stream throws TTSStreamError after the whole samples so far, with no retry',
      run: async () => {
        const fake = await harness.serve((res) => void res.stream({ chunks: [body(AUDIO.subarray(0, 1001))], then: 'destroy' }));
        const chunks: Uint8Array[] = [];
        const error = await errorOf(
          (async () => {
            for await (const chunk of provider(fake).synthesize('Hi.')) chunks.push(chunk);
          })(),
        );
        const whole = 1001 - (1001 % sampleBytes);
        assert(error instanceof TTSStreamError, `expected TTSStreamError, got ${String(error)}`);
        assertEqual(error.provider, harness.provider, 'error.provider');
        assertEqual(error.retryable, false, 'error.retryable');
        assertEqual(error.bytesEmitted, whole, 'error.bytesEmitted');
        assertBytesEqual(Buffer.concat(chunks), AUDIO.subarray(0, whole), 'audio before the cut');
        assertEqual(fake.requests(), 1, 'requests');
      },
    },
    {
      name: 'a malformed JSON error body still gives a clear status error, not retried',
      run: async () => {
        const fake = await harness.serve((res) => res.send(400, '{"error": {"type"', { 'content-type': 'application/json' }));
        const error = await errorOf(synthesizeAll(provider(fake), 'Hi.'));
        assert(error instanceof ProviderStatusError, `expected ProviderStatusError, got ${String(error)}`);
        assertEqual(error.status, 400, 'error.status');
        assertEqual(error.retryable, false, 'error.retryable');
        assertEqual(error.body, '{"error": {"type"', 'error.body');
        assertEqual(fake.requests(), 1, 'requests');
      },
    },
    {
      name: 'warmup() opens a connection to the vendor and never throws',
      run: async () => {
        const fake = await harness.serve((res) => res.send(200));
        const tts = provider(fake);
        assert(tts.warmup !== undefined, 'the provider has no warmup()');
        await tts.warmup();
        assertEqual(fake.requests(), 1, 'requests');
        await harness.create({ apiKey, baseUrl: 'http://127.0.0.1:9', logger: quiet }).warmup?.();
      },
    },
    ...(harness.createFromEnv === undefined ? [] : [envCheck(harness, harness.createFromEnv)]),
  ];
}

function envCheck(harness: HttpTTSBehaviourHarness, createFromEnv: () => TTSProvider): ConformanceCheck {
  return {
    name: `reads ${harness.envVar} when no apiKey is given; a bad baseUrl fails at construction`,
    run: async () => {
      const saved = process.env[harness.envVar];
      delete process.env[harness.envVar];
      try {
        let missing: unknown;
        try {
          createFromEnv();
        } catch (error) {
          missing = error;
        }
        assert(missing instanceof ConfigError, `expected a ConfigError without ${harness.envVar}, got ${String(missing)}`);
        assert(missing.message.includes(harness.envVar), `the error does not name ${harness.envVar}: ${missing.message}`);
        process.env[harness.envVar] = 'env-key';
        assert(createFromEnv().outputFormats.length > 0, 'the provider built from the env var declares no outputFormats');
      } finally {
        if (saved === undefined) delete process.env[harness.envVar];
        else process.env[harness.envVar] = saved;
      }
      let badUrl: unknown;
      try {
        harness.create({ apiKey: 'k', baseUrl: 'nope', logger: quiet });
      } catch (error) {
        badUrl = error;
      }
      assert(badUrl instanceof ConfigError && badUrl.option === 'baseUrl', `expected ConfigError('baseUrl'), got ${String(badUrl)}`);
    },
  };
}
