import { PCM16_16K, ProviderAuthError, type AudioFormat, type Logger, type STTProvider, type STTStream, type Transcript } from '@patter/core';
import type { FakeWebSocketConnection } from '../fakes/fake-web-socket-connection.js';
import { captureLogger } from '../kit/capture-logger.js';
import { assert, assertEqual, fail, normalizeText, tick, waitUntil, withTimeout } from './check-helpers.js';
import type { ConformanceCheck } from './conformance-check.js';
import { runSTTCallEnd } from './run-stt-call-end.js';
import { unknownOptionCheck } from './unknown-option-check.js';

/** The vendor's loopback fake, as the behaviour checks drive it (a `FakeWebSocketServer` is one as it is). */
export interface WebSocketSTTFake {
  readonly url: string;
  /** Every upgrade request the fake answered (refused ones included), oldest first. */
  readonly upgrades: readonly unknown[];
  /** The connections it accepted, oldest first. */
  readonly connections: readonly FakeWebSocketConnection[];
}

/** What the checks pass to `create`. */
export interface WebSocketSTTCreateOptions {
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly logger?: Logger;
}

/**
 * A plugin whose STT streams over one vendor WebSocket per call (Deepgram, AssemblyAI, Cartesia,
 * Soniox, Speechmatics …). The fake is the plugin's own and as strict as the vendor: it refuses a
 * key other than `apiKey` the way the vendor does, and it "transcribes" audio made of word frames
 * (`frame(word)`), so a lost frame is a lost word; closing the stream makes it send the final.
 */
export interface WebSocketSTTBehaviourHarness {
  /** Suite title prefix, e.g. `'DeepgramSTT'`. */
  readonly name: string;
  /** The provider key its errors and logs carry (`deepgram`). */
  readonly provider: string;
  /** The env var a refused key's error names (`DEEPGRAM_API_KEY`). */
  readonly envVar: string;
  /** The key the fake accepts. Default `'test-key'`. */
  readonly apiKey?: string;
  /** The stream's format. Default PCM16 16 kHz. */
  readonly format?: AudioFormat;
  /** Starts the fake; with `refuseStatus` it refuses every upgrade with that HTTP status. */
  serve(options?: { readonly refuseStatus?: number }): Promise<WebSocketSTTFake>;
  /** The provider pointed at the fake (unknown options passed through as given). */
  create(options: WebSocketSTTCreateOptions): STTProvider;
  /** 20 ms of audio in `format` that the fake hears as `word`. */
  frame(word: 'general' | 'kenobi'): Uint8Array;
  /** A misspelled option and the option the error should suggest (`['endpointMs', 'endpointingMs']`). */
  readonly misspelledOption: readonly [misspelled: string, suggestion: string];
  /** A vendor message cut short (bad JSON), and a well-formed one of a type the plugin does not know. */
  readonly malformedMessage: string;
  readonly unknownMessage: string;
  /** What the vendor must have received when a call ends, as `sent(connection)` returns it. */
  readonly callEnd: { sent(connection: FakeWebSocketConnection): unknown; readonly expected: unknown };
  /** A keep-alive the plugin sends while no audio flows: `'ping'` frames or this text message. */
  readonly keepAlive?: {
    /** The provider with its keep-alive interval set to `intervalMs` (the shortest it allows, ≤ 1 s). */
    create(options: WebSocketSTTCreateOptions): STTProvider;
    readonly intervalMs: number;
    readonly message: 'ping' | (string & {});
  };
  /** How long each wait may take (default 5000 ms). */
  readonly timeoutMs?: number;
}

interface Consumer {
  readonly items: Transcript[];
  error: unknown;
  readonly done: Promise<void>;
}

function consume(stream: STTStream): Consumer {
  const consumer = { items: [] as Transcript[], error: undefined as unknown, done: Promise.resolve() };
  consumer.done = (async () => {
    try {
      for await (const t of stream.transcripts()) consumer.items.push(t);
    } catch (error) {
      consumer.error = error;
    }
  })();
  return consumer;
}

const finalText = (consumer: Consumer) =>
  normalizeText(consumer.items.filter((t) => t.isFinal && t.text !== '').map((t) => t.text).join(' '));

const bytesOn = (connection: FakeWebSocketConnection | undefined) => connection?.binaryBytes().length ?? 0;

/** The WebSocket-STT transport behaviours every such plugin shares: options, auth, bad messages, drops, call end, warmup, keep-alive. */
export function webSocketSTTBehaviourChecks(harness: WebSocketSTTBehaviourHarness): ConformanceCheck[] {
  const apiKey = harness.apiKey ?? 'test-key';
  const format = harness.format ?? PCM16_16K;
  const timeout = harness.timeoutMs ?? 5_000;
  const frames = (word: 'general' | 'kenobi', n: number) => Array.from({ length: n }, () => harness.frame(word));
  const frameBytes = harness.frame('general').byteLength;

  async function failure(fake: WebSocketSTTFake, key: string): Promise<unknown> {
    const consumer = consume(harness.create({ apiKey: key, baseUrl: fake.url }).stream({ format }));
    await withTimeout(consumer.done, timeout, 'the stream to fail');
    return consumer.error ?? fail('expected the stream to fail');
  }

  const checks: ConformanceCheck[] = [
    unknownOptionCheck((options) => harness.create(options as unknown as WebSocketSTTCreateOptions), { apiKey: 'k', baseUrl: 'ws://127.0.0.1:9' }, harness.misspelledOption),
    {
      name: `a refused key (in-band or a 401 upgrade) fails the stream at once naming ${harness.envVar}, with no retry`,
      run: async () => {
        for (const [label, fake, key] of [
          ['wrong key', await harness.serve(), 'wrong'],
          ['401 upgrade', await harness.serve({ refuseStatus: 401 }), apiKey],
        ] as const) {
          const error = await failure(fake, key);
          assert(error instanceof ProviderAuthError, `${label}: expected ProviderAuthError, got ${String(error)}`);
          assertEqual(error.provider, harness.provider, `${label}: error.provider`);
          assertEqual(error.retryable, false, `${label}: error.retryable`);
          assert(error.message.includes(harness.envVar), `${label}: the message does not name ${harness.envVar}: ${error.message}`);
          await tick(100);
          assertEqual(fake.upgrades.length, 1, `${label}: upgrades (no retry)`);
        }
      },
    },
    {
      name: 'a malformed and an unknown vendor message are logged and dropped; the stream goes on on the same connection',
      run: async () => {
        const fake = await harness.serve();
        const { logger, lines } = captureLogger();
        const stream = harness.create({ apiKey, baseUrl: fake.url }).stream({ format, logger });
        const consumer = consume(stream);
        await waitUntil(() => fake.connections.length === 1, timeout, 'the connection');
        void fake.connections[0]?.send(harness.malformedMessage);
        void fake.connections[0]?.send(harness.unknownMessage);
        await waitUntil(() => lines.some((l) => l.msg === 'stt unknown message dropped'), timeout, 'the unknown message to be logged');
        assert(lines.some((l) => l.level === 'warn' && l.msg === 'stt malformed message dropped'), 'no warning "stt malformed message dropped"');
        for (const f of frames('general', 12)) stream.sendAudio(f);
        await waitUntil(() => bytesOn(fake.connections[0]) >= 9 * frameBytes, timeout, 'the audio on the same connection');
        await withTimeout(stream.close(), timeout, 'close()');
        await withTimeout(consumer.done, timeout, 'the transcripts to end');
        assertEqual(consumer.error, undefined, 'stream error');
        assertEqual(finalText(consumer), 'general', 'final text');
        assertEqual(fake.upgrades.length, 1, 'upgrades');
      },
    },
    {
      name: 'a socket dropped mid-utterance without a close frame reconnects, replays what was not final, and loses no words',
      run: async () => {
        const fake = await harness.serve();
        const stream = harness.create({ apiKey, baseUrl: fake.url }).stream({ format });
        const consumer = consume(stream);
        for (const f of frames('general', 12)) stream.sendAudio(f);
        stream.finalize();
        await waitUntil(() => finalText(consumer) === 'general', timeout, 'the first final');
        for (const f of frames('kenobi', 12)) stream.sendAudio(f);
        await waitUntil(() => bytesOn(fake.connections[0]) === 24 * frameBytes, timeout, 'the second words on the first connection');
        void fake.connections[0]?.terminate();
        for (const f of frames('general', 12)) stream.sendAudio(f);
        await waitUntil(() => bytesOn(fake.connections[1]) >= 24 * frameBytes, timeout, 'the replayed and new audio on a second connection');
        await withTimeout(stream.close(), timeout, 'close()');
        await withTimeout(consumer.done, timeout, 'the transcripts to end');
        assertEqual(consumer.error, undefined, 'stream error');
        const finals = consumer.items.filter((t) => t.isFinal && t.text !== '').map((t) => normalizeText(t.text));
        assertEqual(JSON.stringify(finals), JSON.stringify(['general', 'kenobi general']), 'finals (the finalized words not replayed, the others not lost)');
        assertEqual(fake.upgrades.length, 2, 'upgrades');
      },
    },
    {
      name: 'call end: the words in flight reach the call transcript, the end of stream goes out, the socket closes with 1000',
      run: async () => {
        const fake = await harness.serve();
        const audio = Buffer.concat([...frames('general', 10), ...frames('kenobi', 10)]);
        const summary = await runSTTCallEnd(harness.create({ apiKey, baseUrl: fake.url }), {
          format,
          audio,
          frameBytes,
          beforeHangup: () => waitUntil(() => bytesOn(fake.connections[0]) === audio.length, timeout, 'the audio at the vendor'),
        });
        assertEqual(JSON.stringify(summary.transcript.map((t) => `${t.role}: ${t.text}`)), '["user: general kenobi"]', 'call transcript');
        const connection = fake.connections[0] ?? fail('no connection');
        assertEqual(JSON.stringify(harness.callEnd.sent(connection)), JSON.stringify(harness.callEnd.expected), 'what the vendor received at call end');
        assertEqual((await withTimeout(connection.closed, timeout, 'the socket to close')).code, 1000, 'close code');
      },
    },
    {
      name: 'warmup() opens one connection, and never throws when the vendor refuses',
      run: async () => {
        const fake = await harness.serve();
        const provider = harness.create({ apiKey, baseUrl: fake.url });
        assert(provider.warmup !== undefined, 'the provider has no warmup()');
        await withTimeout(provider.warmup(), timeout, 'warmup()');
        assertEqual(fake.upgrades.length, 1, 'upgrades');
        await waitUntil(() => fake.connections.length === 1, timeout, 'the warm connection accepted');
        const refused = await harness.serve({ refuseStatus: 503 });
        await withTimeout(harness.create({ apiKey, baseUrl: refused.url }).warmup?.() ?? Promise.resolve(), timeout, 'warmup() refused');
        assertEqual(refused.upgrades.length, 1, 'upgrades when refused');
      },
    },
  ];
  const keepAlive = harness.keepAlive;
  if (keepAlive) {
    checks.push({
      name: `sends keep-alives (${keepAlive.message}) while no audio flows, and none after close()`,
      run: async () => {
        const fake = await harness.serve();
        const stream = keepAlive.create({ apiKey, baseUrl: fake.url }).stream({ format });
        const consumer = consume(stream);
        await waitUntil(() => fake.connections.length === 1, timeout, 'the connection');
        const connection = fake.connections[0] ?? fail('no connection');
        let pings = 0;
        connection.socket.on('ping', () => pings++);
        const sent = () => (keepAlive.message === 'ping' ? pings : connection.textMessages().filter((m) => m === keepAlive.message).length);
        await waitUntil(() => sent() >= 2, Math.max(timeout, 5 * keepAlive.intervalMs), 'two keep-alives');
        await withTimeout(stream.close(), timeout, 'close()');
        await withTimeout(consumer.done, timeout, 'the transcripts to end');
        const atClose = sent();
        await tick(2.5 * keepAlive.intervalMs);
        assertEqual(sent(), atClose, 'keep-alives after close()');
        assertEqual(fake.upgrades.length, 1, 'upgrades');
      },
    });
  }
  return checks;
}
