import { describe, expect, it } from 'vitest';
import { MULAW_8K } from '../../audio/audio-format.js';
import type { LLMDelta } from '../../llm/llm-provider.js';
import type { Logger } from '../../log/logger.js';
import { withIdleTimeout } from '../../net/with-idle-timeout.js';
import type { TTSProvider, TTSSynthesizeOptions } from '../../tts/tts-provider.js';
import { AsyncQueue } from '../../util/async-queue.js';
import { createCallSession } from '../create-call-session.js';
import { FakeLLM, FakeSTT, FakeTransport, settle, until, voicedFrame, type LLMScript } from '../testing-fakes.js';

/** The idle timeout the fake vendors run with (the real default is 5–10 s). */
const IDLE_MS = 250;

type Plan = 'ok' | 'stall' | 'stallAfterChunk';

/**
 * A TTS whose streams go quiet as planned, per sentence and attempt, and time out through the
 * real `withIdleTimeout` (as every HTTP and WebSocket TTS does): 1 ms of μ-law per character.
 */
class StallingTTS implements TTSProvider {
  readonly key = 'stall_tts';
  readonly outputFormats = [MULAW_8K];
  readonly requests: { text: string; at: number }[] = [];

  constructor(private readonly plan: (text: string, attempt: number) => Plan) {}

  synthesize(text: string, options: TTSSynthesizeOptions = {}): AsyncIterable<Uint8Array> {
    const attempt = this.requests.filter((r) => r.text === text).length;
    this.requests.push({ text, at: performance.now() });
    const mode = this.plan(text, attempt);
    const queue = new AsyncQueue<Uint8Array>();
    options.signal?.addEventListener('abort', () => queue.end(), { once: true });
    if (mode !== 'stall') queue.push(new Uint8Array(text.length * 8).fill(0x55));
    if (mode === 'ok') queue.end();
    return withIdleTimeout(queue, { provider: this.key, idleTimeoutMs: IDLE_MS, onTimeout: () => queue.end() });
  }

  attempts(text: string): number {
    return this.requests.filter((r) => r.text === text).length;
  }
}

/** An LLM stream that sends `texts`, then goes quiet (timed out by the real helper). */
function stallingLLM(texts: readonly string[]): LLMScript {
  return () => {
    const queue = new AsyncQueue<LLMDelta>();
    for (const text of texts) queue.push({ type: 'text', text });
    return withIdleTimeout(queue, { provider: 'fake_llm', idleTimeoutMs: IDLE_MS, onTimeout: () => queue.end() });
  };
}

function recordingLogger() {
  const warnings: { message: string; provider: unknown }[] = [];
  const errors: string[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (fields, message) => warnings.push({ message, provider: fields.provider }),
    error: (_fields, message) => errors.push(message),
    child: () => logger,
  };
  return { logger, warnings, errors };
}

const S1 = 'The shop opens at nine on Monday.';
const S2 = 'It closes at five in the evening.';
const S3 = 'Anything else I can help with?';
const done = { type: 'done', finishReason: 'stop' } as const;

function setup(scripts: LLMScript[], tts: TTSProvider) {
  const transport = new FakeTransport();
  const stt = new FakeSTT();
  const llm = new FakeLLM(scripts);
  const { logger, warnings, errors } = recordingLogger();
  const session = createCallSession({ agent: { stt, llm, tts, allowInterruptions: false }, transport, logger });
  transport.start();
  return { transport, stt, llm, session, warnings, errors };
}

/** The caller speaks (voiced audio, so the final is not taken for a silence hallucination). */
function say(transport: FakeTransport, stt: FakeSTT, text: string): void {
  for (let i = 0; i < 10; i++) transport.hear(voicedFrame());
  stt.last.say(text);
}

/** The bytes of audio sent for each sentence, in order (each sentence ends with a mark). */
function audioPerSentence(transport: FakeTransport): number[] {
  const out: number[] = [];
  let bytes = 0;
  for (const command of transport.commands) {
    if (command.type === 'audio') bytes += command.bytes;
    if (command.type === 'mark') {
      out.push(bytes);
      bytes = 0;
    }
  }
  return out;
}

describe('pipeline session: stalled vendor streams', () => {
  it('a TTS sentence that stalls mid-audio ends with what it had; the next sentence still plays', async () => {
    const tts = new StallingTTS((text) => (text === S2 ? 'stallAfterChunk' : 'ok'));
    const { transport, stt, session, warnings, errors } = setup([[{ type: 'text', text: `${S1} ${S2} ${S3}` }, done]], tts);
    say(transport, stt, 'When are you open?');
    await until(() => transport.count('mark') === 3, 5_000);
    expect(audioPerSentence(transport)).toEqual([S1.length * 8, S2.length * 8, S3.length * 8]);
    expect(tts.attempts(S2)).toBe(1); // audio of it was spoken: never requested again
    expect(warnings).toContainEqual({ message: 'text-to-speech stalled; ending the sentence and going on', provider: 'stall_tts' });
    expect(errors).toEqual([]);
    transport.stop();
    await session.ended;
  });

  it('a TTS sentence that stalls before any audio is requested once more and played', async () => {
    const tts = new StallingTTS((text, attempt) => (text === S2 && attempt === 0 ? 'stall' : 'ok'));
    const { transport, stt, session, warnings } = setup([[{ type: 'text', text: `${S1} ${S2} ${S3}` }, done]], tts);
    say(transport, stt, 'When are you open?');
    await until(() => transport.count('mark') === 3, 5_000);
    expect(audioPerSentence(transport)).toEqual([S1.length * 8, S2.length * 8, S3.length * 8]);
    expect(tts.attempts(S2)).toBe(2);
    expect(warnings).toContainEqual({ message: 'text-to-speech stalled; requesting the sentence again', provider: 'stall_tts' });
    transport.stop();
    const summary = await session.ended;
    expect(summary.usage.stall_tts?.characters).toBe(S1.length + S2.length + S3.length); // the stalled attempt is not counted
  });

  it('a TTS sentence that stalls twice is skipped: the caller waits at most the timeout plus one retry, then hears the next sentence', async () => {
    const tts = new StallingTTS((text) => (text === S2 ? 'stall' : 'ok'));
    const { transport, stt, session, warnings } = setup([[{ type: 'text', text: `${S1} ${S2} ${S3}` }, done]], tts);
    say(transport, stt, 'When are you open?');
    await until(() => transport.count('mark') === 1, 5_000);
    const firstSentenceSent = performance.now();
    await until(() => transport.count('mark') === 2, 5_000);
    const waited = performance.now() - firstSentenceSent;
    expect(audioPerSentence(transport)).toEqual([S1.length * 8, S3.length * 8]);
    expect(tts.attempts(S2)).toBe(2);
    expect(waited).toBeGreaterThanOrEqual(IDLE_MS); // the stall was waited out …
    expect(waited).toBeLessThan(2 * IDLE_MS + 1_500); // … at most timeout + one retry (wide margin for a loaded machine)
    expect(warnings.filter((w) => w.provider === 'stall_tts').map((w) => w.message)).toEqual([
      'text-to-speech stalled; requesting the sentence again',
      'text-to-speech stalled; ending the sentence and going on',
    ]);
    transport.stop();
    await session.ended;
  });

  it('an LLM stream that stalls before any text is requested once more; one that stalls after text ends the reply with what was said', async () => {
    const tts = new StallingTTS(() => 'ok');
    const { transport, stt, llm, session, warnings } = setup(
      [stallingLLM([]), [{ type: 'text', text: S1 }, done], stallingLLM([`${S2} It`]), [{ type: 'text', text: S3 }, done]],
      tts,
    );
    say(transport, stt, 'When are you open?');
    await until(() => transport.count('mark') === 1, 5_000);
    expect(llm.requests).toHaveLength(2);
    expect(warnings).toContainEqual({ message: 'llm stream stalled; requesting the reply again', provider: 'fake_llm' });
    transport.playAll();

    say(transport, stt, 'And when do you close?');
    await until(() => tts.requests.length === 2, 5_000);
    const stalledAt = performance.now();
    // allowInterruptions is off: this turn waits for the stalled reply, which ends after the timeout.
    say(transport, stt, 'Hello?');
    await until(() => transport.count('mark') === 3, 5_000);
    const waited = performance.now() - stalledAt;
    expect(waited).toBeGreaterThanOrEqual(IDLE_MS - 50);
    expect(waited).toBeLessThan(IDLE_MS + 1_500);
    expect(tts.requests.map((r) => r.text)).toEqual([S1, S2, 'It']); // the words in progress were spoken
    expect(warnings).toContainEqual({ message: 'llm stream stalled; ending the reply with what was said', provider: 'fake_llm' });
    transport.playAll();
    await until(() => transport.count('mark') === 4, 5_000);
    expect(tts.requests.map((r) => r.text)).toEqual([S1, S2, 'It', S3]);
    expect(llm.requests).toHaveLength(4); // the stall after text was not retried
    transport.playAll();
    await settle();
    transport.stop();
    const summary = await session.ended;
    expect(summary.transcript.map((e) => `${e.role}:${e.text}`)).toEqual([
      'user:When are you open?',
      `assistant:${S1}`,
      'user:And when do you close?',
      `assistant:${S2} It`,
      'user:Hello?',
      `assistant:${S3}`,
    ]);
  });
});
