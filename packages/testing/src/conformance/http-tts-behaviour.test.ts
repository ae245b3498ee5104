import { ConfigError, PCM16_16K, silentLogger, type Logger, type TTSProvider, type TTSSynthesizeOptions } from '@patter/core';
import { streamHttpTTS, warmUpHttp } from '@patter/core/plugin';
import { afterEach, describe, expect, it } from 'vitest';
import { describeHttpTTSBehaviour } from '../vitest/describe-http-tts-behaviour.js';
import { FakeHttpServer } from '../fakes/fake-http-server.js';
import { runConformanceChecks } from './conformance-check.js';
import { httpTTSBehaviourChecks, type HttpTTSBehaviourHarness } from './http-tts-behaviour.js';

/** A minimal vendor: `POST /speak` with `Authorization: Bearer <key>`, raw PCM16 16 kHz back. */
class AcmeTTS implements TTSProvider {
  readonly key = 'acme_tts';
  readonly outputFormats = [PCM16_16K];
  constructor(
    private readonly options: { readonly apiKey: string; readonly baseUrl: string; readonly logger: Logger },
    private readonly flaw?: 'retriesFailures',
  ) {
    if (!/^https?:\/\//.test(options.baseUrl)) throw new ConfigError('baseUrl', 'expected an http(s) URL');
  }

  async *synthesize(text: string, options: TTSSynthesizeOptions = {}): AsyncGenerator<Uint8Array> {
    const request = () =>
      streamHttpTTS({
        ...options,
        provider: this.key,
        url: `${this.options.baseUrl}/speak`,
        headers: { authorization: `Bearer ${this.options.apiKey}` },
        body: { text },
        format: PCM16_16K,
        characters: text.length,
        apiKeyEnv: 'ACME_API_KEY',
        logger: this.options.logger,
      });
    if (this.flaw !== 'retriesFailures') return yield* request();
    try {
      return yield* request();
    } catch {
      return yield* request(); // the flaw: any failure is tried again, a refused key or a cut stream too
    }
  }

  static fromEnv(): AcmeTTS {
    const apiKey = process.env.ACME_API_KEY;
    if (!apiKey) throw new ConfigError('apiKey', 'pass apiKey or set ACME_API_KEY');
    return new AcmeTTS({ apiKey, baseUrl: 'http://127.0.0.1:9', logger: silentLogger });
  }

  async warmup(): Promise<void> {
    await warmUpHttp(this.options.baseUrl, { provider: this.key, logger: this.options.logger });
  }
}

let server: FakeHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function harness(flaw?: 'retriesFailures'): HttpTTSBehaviourHarness {
  return {
    name: 'AcmeTTS',
    provider: 'acme_tts',
    envVar: 'ACME_API_KEY',
    serve: async (reply) => {
      let valid = 0;
      const hits: { closed: boolean; done: Promise<void> }[] = [];
      server = await FakeHttpServer.start((req, res) => {
        if (req.headers.authorization !== 'Bearer test-key') return res.json(401, { error: 'unauthorized' });
        const hit = { closed: false, done: req.clientClosed };
        void req.clientClosed.then(() => (hit.closed = req.clientAborted));
        hits.push(hit);
        reply(res, ++valid);
      });
      const fake = server;
      return { url: fake.url, requests: () => fake.requests.length, hits };
    },
    create: (options) => new AcmeTTS(options, flaw),
    createFromEnv: () => AcmeTTS.fromEnv(),
  };
}

describeHttpTTSBehaviour(harness());

describe('HTTP-TTS behaviour checks', () => {
  it('fail a provider that tries every failure again, naming the checks it breaks', async () => {
    const results = await runConformanceChecks(httpTTSBehaviourChecks(harness('retriesFailures')));
    const failed = results.filter((r) => !r.passed).map((r) => r.name);
    expect(failed).toEqual([
      'a 401 names ACME_API_KEY (not the key) and is not retried',
      'a connection cut mid-stream throws TTSStreamError after the whole samples so far, with no retry',
      'a malformed JSON error body still gives a clear status error, not retried',
    ]);
  });
});
