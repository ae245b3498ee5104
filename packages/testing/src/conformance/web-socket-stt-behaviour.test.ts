import {
  PCM16_16K,
  type Logger,
  type STTProvider,
  type STTStream,
  type STTStreamOptions,
} from '@patter/core';
import {
  createWebSocketSTTStream,
  rejectUnknownOptions,
  transcript,
  warmUpWebSocket,
  type WebSocketSTTAdapter,
} from '@patter/core/plugin';
import { afterEach, describe, expect, it } from 'vitest';
import { describeWebSocketSTTBehaviour } from '../vitest/describe-web-socket-stt-behaviour.js';
import { FakeWebSocketServer } from '../fakes/fake-web-socket-server.js';
import { runConformanceChecks } from './conformance-check.js';
import { webSocketSTTBehaviourChecks, type WebSocketSTTBehaviourHarness } from './web-socket-stt-behaviour.js';

type Flaw = 'acceptsUnknownOptions' | 'keyNotNamed' | 'claimsEveryMessage' | 'replaysFinalAudio' | 'noEndOfStream' | 'noKeepAlive' | 'noWarmup';

interface AcmeOptions {
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly logger?: Logger;
  readonly keepAliveMs?: number;
}

const WORDS = ['', 'general', 'kenobi'];
const FRAME = 640; // 20 ms of PCM16 16 kHz

/**
 * A minimal vendor on core's WebSocket-STT machinery: `/listen` with `Authorization: Key <key>`;
 * JSON commands `finalize`, `end`, `keepalive`; answers `final` (with `until`, the seconds it
 * covers) and `done`. `flaw` breaks one behaviour the checks must catch.
 */
class AcmeSTT implements STTProvider {
  readonly key = 'acme';
  readonly inputFormats = [PCM16_16K];
  readonly warmup?: () => Promise<void>;

  constructor(
    private readonly options: AcmeOptions,
    private readonly flaw?: Flaw,
  ) {
    if (flaw !== 'acceptsUnknownOptions') rejectUnknownOptions(options, ['apiKey', 'baseUrl', 'logger', 'keepAliveMs'], 'Acme STT option');
    if (flaw !== 'noWarmup') this.warmup = () => warmUpWebSocket(this.adapter());
  }

  stream(options: STTStreamOptions): STTStream {
    return createWebSocketSTTStream(this.adapter(), { ...options, ...(this.options.logger ? { logger: options.logger ?? this.options.logger } : {}) });
  }

  private adapter(): WebSocketSTTAdapter {
    const flaw = this.flaw;
    const keepAliveMs = this.options.keepAliveMs;
    return {
      provider: 'acme',
      ...(flaw === 'keyNotNamed' ? {} : { apiKeyEnv: 'ACME_API_KEY' }),
      request: () => ({ url: `${this.options.baseUrl}/listen`, headers: { authorization: `Key ${this.options.apiKey}` } }),
      finalizeMessage: '{"type":"finalize"}',
      ...(keepAliveMs && flaw !== 'noKeepAlive' ? { keepAlive: { intervalMs: keepAliveMs, message: '{"type":"keepalive"}' } } : {}),
      close: (io) => {
        if (flaw !== 'noEndOfStream') io.send('{"type":"end"}');
      },
      onMessage(message, ctx) {
        const m = message as { type?: string; text?: string; until?: number };
        if (m.type === 'final') {
          ctx.emit(transcript({ text: m.text ?? '', isFinal: true, speechFinal: true, confidence: 1 }));
          if (flaw !== 'replaysFinalAudio') ctx.commit(m.until);
          return true;
        }
        if (m.type === 'done') {
          ctx.notify('done');
          return true;
        }
        return flaw === 'claimsEveryMessage';
      },
    };
  }
}

const servers: FakeWebSocketServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** The Acme fake: transcribes word frames (each 20 ms frame filled with a word's index). */
async function fakeAcme(refuseStatus?: number): Promise<FakeWebSocketServer> {
  const server = await FakeWebSocketServer.start({
    path: '/listen',
    onUpgrade: (req) => {
      if (refuseStatus) return { reject: { status: refuseStatus, body: 'refused' } };
      return req.headers.authorization === 'Key test-key' ? undefined : { reject: { status: 401, body: 'bad key' } };
    },
    onConnection: (conn) => {
      const audio: number[] = [];
      let finalFrom = 0;
      const final = () => {
        const words: string[] = [];
        for (let i = finalFrom; i < audio.length; i += FRAME) {
          const word = WORDS[audio[i] ?? 0] ?? '';
          if (word && words.at(-1) !== word) words.push(word);
        }
        finalFrom = audio.length;
        if (words.length > 0) void conn.send({ type: 'final', text: words.join(' '), until: audio.length / 32_000 });
      };
      conn.socket.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) return void audio.push(...data);
        const type = (JSON.parse(data.toString()) as { type?: string }).type;
        if (type === 'finalize') final();
        if (type === 'end') {
          final();
          void conn.send({ type: 'done' });
          setTimeout(() => void conn.close(1000), 20);
        }
      });
    },
  });
  servers.push(server);
  return server;
}

function harness(flaw?: Flaw): WebSocketSTTBehaviourHarness {
  return {
    name: 'AcmeSTT',
    provider: 'acme',
    envVar: 'ACME_API_KEY',
    serve: (options) => fakeAcme(options?.refuseStatus),
    create: (options) => new AcmeSTT(options, flaw),
    frame: (word) => new Uint8Array(FRAME).fill(WORDS.indexOf(word)),
    misspelledOption: ['apiKy', 'apiKey'],
    malformedMessage: '{"type":"final",',
    unknownMessage: '{"type":"mystery"}',
    callEnd: { sent: (conn) => conn.textMessages().at(-1), expected: '{"type":"end"}' },
    keepAlive: { create: (options) => new AcmeSTT({ ...options, keepAliveMs: 100 }, flaw), intervalMs: 100, message: '{"type":"keepalive"}' },
  };
}

describeWebSocketSTTBehaviour(harness());

const CHECK = {
  options: 'an unknown option fails at construction with a ConfigError naming it, with a did-you-mean',
  auth: 'a refused key (in-band or a 401 upgrade) fails the stream at once naming ACME_API_KEY, with no retry',
  messages: 'a malformed and an unknown vendor message are logged and dropped; the stream goes on on the same connection',
  drop: 'a socket dropped mid-utterance without a close frame reconnects, replays what was not final, and loses no words',
  callEnd: 'call end: the words in flight reach the call transcript, the end of stream goes out, the socket closes with 1000',
  warmup: 'warmup() opens one connection, and never throws when the vendor refuses',
  keepAlive: 'sends keep-alives ({"type":"keepalive"}) while no audio flows, and none after close()',
};

describe('WebSocket-STT behaviour checks', () => {
  it.each([
    ['acceptsUnknownOptions', [CHECK.options]],
    ['keyNotNamed', [CHECK.auth]],
    ['claimsEveryMessage', [CHECK.messages]],
    ['replaysFinalAudio', [CHECK.drop]],
    // Without its end of stream the vendor never sends the last final nor closes: every check that closes a stream with words in flight fails.
    ['noEndOfStream', [CHECK.messages, CHECK.drop, CHECK.callEnd, CHECK.keepAlive]],
    ['noWarmup', [CHECK.warmup]],
    ['noKeepAlive', [CHECK.keepAlive]],
  ] as const)('fail a provider with the flaw %s in the checks for it', async (flaw, checks) => {
    const results = await runConformanceChecks(webSocketSTTBehaviourChecks({ ...harness(flaw), timeoutMs: 2500 }));
    expect(results.filter((r) => !r.passed).map((r) => r.name)).toEqual(checks);
  }, 30_000);
});
