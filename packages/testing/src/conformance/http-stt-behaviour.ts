import { ConfigError, PCM16_16K, ProviderAuthError, type AudioFormat, type Logger, type STTProvider } from '@patter/core';
import { assert, assertEqual, fail, tick, withTimeout } from './check-helpers.js';
import type { ConformanceCheck } from './conformance-check.js';
import { unknownOptionCheck } from './unknown-option-check.js';

/** The vendor's loopback fake, as the behaviour checks drive it. */
export interface HttpSTTFake {
  readonly url: string;
  /** Requests the fake received (refused ones included). */
  requests(): number;
  close(): Promise<void>;
}

/** What the checks pass to `create`. */
export interface HttpSTTCreateOptions {
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly logger?: Logger;
}

/**
 * A plugin whose STT posts each utterance over HTTP (Whisper, OpenAI transcribe …). The fake is
 * the plugin's own and refuses a key other than `apiKey` with the vendor's 401.
 */
export interface HttpSTTBehaviourHarness {
  /** Suite title prefix, e.g. `'WhisperSTT'`. */
  readonly name: string;
  /** The provider key its errors carry. */
  readonly provider: string;
  /** The env var a refused key's error names (`OPENAI_API_KEY`). */
  readonly envVar: string;
  /** The key the fake accepts. Default `'test-key'`. */
  readonly apiKey?: string;
  /** The stream's format. Default PCM16 16 kHz. */
  readonly format?: AudioFormat;
  serve(): Promise<HttpSTTFake>;
  /** The provider pointed at the fake (unknown options passed through as given). */
  create(options: HttpSTTCreateOptions): STTProvider;
  /** The provider with no options at all (its key from `envVar`). */
  createFromEnv(): STTProvider;
  /** Audio frames in `format` that the plugin posts as one utterance once `finalize()` is called. */
  utterance(): readonly Uint8Array[];
  /** A misspelled option and the option the error should suggest. */
  readonly misspelledOption: readonly [misspelled: string, suggestion: string];
  /** How long each wait may take (default 5000 ms). */
  readonly timeoutMs?: number;
}

/** The HTTP-STT behaviours every such plugin shares: options, a refused key, the env var, warmup. */
export function httpSTTBehaviourChecks(harness: HttpSTTBehaviourHarness): ConformanceCheck[] {
  const apiKey = harness.apiKey ?? 'test-key';
  const format = harness.format ?? PCM16_16K;
  const timeout = harness.timeoutMs ?? 5_000;
  return [
    unknownOptionCheck((options) => harness.create(options as unknown as HttpSTTCreateOptions), { apiKey: 'k' }, harness.misspelledOption),
    {
      name: `a 401 fails the stream naming ${harness.envVar} (not the key), with no retry`,
      run: async () => {
        const fake = await harness.serve();
        try {
          const stream = harness.create({ apiKey: 'wrong', baseUrl: fake.url }).stream({ format });
          const done = (async () => {
            for await (const _t of stream.transcripts()) {
              // no transcript is expected
            }
          })();
          for (const frame of harness.utterance()) stream.sendAudio(frame);
          stream.finalize();
          let error: unknown;
          await withTimeout(done, timeout, 'the stream to fail').catch((caught: unknown) => (error = caught));
          await stream.close();
          assert(error instanceof ProviderAuthError, `expected ProviderAuthError, got ${String(error)}`);
          assertEqual(error.provider, harness.provider, 'error.provider');
          assertEqual(error.retryable, false, 'error.retryable');
          assert(error.message.includes(harness.envVar), `the message does not name ${harness.envVar}: ${error.message}`);
          assert(!error.message.includes('wrong'), 'the message carries the refused key');
          await tick(100);
          assertEqual(fake.requests(), 1, 'requests (no retry)');
        } finally {
          await fake.close();
        }
      },
    },
    {
      name: `reads ${harness.envVar} when no apiKey is given, and names it when missing`,
      run: async () => {
        const saved = process.env[harness.envVar];
        delete process.env[harness.envVar];
        try {
          let missing: unknown;
          try {
            harness.createFromEnv();
          } catch (error) {
            missing = error;
          }
          assert(missing instanceof ConfigError, `expected a ConfigError without ${harness.envVar}, got ${String(missing)}`);
          assert(missing.message.includes(harness.envVar), `the error does not name ${harness.envVar}: ${missing.message}`);
          process.env[harness.envVar] = 'env-key';
          assert(harness.createFromEnv().inputFormats.length > 0, 'the provider built from the env var declares no inputFormats');
        } finally {
          if (saved === undefined) delete process.env[harness.envVar];
          else process.env[harness.envVar] = saved;
        }
      },
    },
    {
      name: 'warmup() never throws, even with the server gone',
      run: async () => {
        const fake = await harness.serve();
        const provider = harness.create({ apiKey, baseUrl: fake.url });
        const warmup = provider.warmup?.bind(provider) ?? fail('the provider has no warmup()');
        await withTimeout(warmup(), timeout, 'warmup()');
        await fake.close();
        await withTimeout(warmup(), timeout, 'warmup() with the server gone');
      },
    },
  ];
}
