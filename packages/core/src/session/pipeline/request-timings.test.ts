import { describe, expect, it } from 'vitest';
import type { LLMDelta } from '../../llm/llm-provider.js';
import type { TurnMetrics } from '../call-session.js';
import { createCallSession } from '../create-call-session.js';
import { FakeLLM, FakeSTT, FakeTransport, FakeTTS, until, voicedFrame, type LLMRequest } from '../testing-fakes.js';

// TurnMetrics.requests: each LLM and TTS request of a turn, from its start to the end of its
// stream (what the telemetry turns into one span per request).

/** Two sentences, then the stream stays open until aborted. */
const stalling = (request: LLMRequest): AsyncIterable<LLMDelta> =>
  (async function* () {
    yield { type: 'text', text: 'Hello there, this is the first sentence. ' } as const;
    yield { type: 'text', text: 'And this second one will be cut short. ' } as const;
    await new Promise<void>((resolve) => request.signal?.addEventListener('abort', () => resolve(), { once: true }));
  })();

function setup(reply: ConstructorParameters<typeof FakeLLM>[0][number]) {
  const transport = new FakeTransport();
  const stt = new FakeSTT();
  const llm = new FakeLLM([reply]);
  const tts = new FakeTTS();
  const session = createCallSession({ transport, agent: { stt, llm, tts, interruptionGraceMs: 0, interruptionMinMs: 0 } });
  const metrics: TurnMetrics[] = [];
  session.on('metrics', (m) => metrics.push(m));
  return { transport, stt, llm, tts, session, metrics };
}

async function callerTurn(ctx: ReturnType<typeof setup>, text: string): Promise<void> {
  ctx.transport.start();
  await until(() => ctx.stt.streams.length === 1);
  for (let i = 0; i < 5; i++) ctx.transport.hear(voicedFrame());
  ctx.stt.last.say(text);
}

describe('TurnMetrics.requests', () => {
  it('a turn heard to its end: the LLM request (first token, usage) and one TTS request per sentence, each to the end of its stream', async () => {
    const ctx = setup([
      { type: 'text', text: 'Sure. ' },
      { type: 'text', text: 'We open at nine.' },
      { type: 'usage', usage: { inputTokens: 30, outputTokens: 7, cachedInputTokens: 10 } },
      { type: 'done', finishReason: 'stop' },
    ]);
    await callerTurn(ctx, 'When do you open?');
    await until(() => ctx.transport.count('mark') >= 2); // a mark after each sentence
    ctx.transport.play(10_000);
    await until(() => ctx.metrics.length === 1);
    const requests = ctx.metrics[0]?.requests ?? [];
    const llm = requests.filter((r) => r.kind === 'llm');
    expect(llm).toEqual([
      expect.objectContaining({ provider: 'fake_llm', outcome: 'ok', usage: { inputTokens: 30, outputTokens: 7, cachedInputTokens: 10 } }),
    ]);
    expect(llm[0]!.firstAt).toBeGreaterThanOrEqual(llm[0]!.startedAt);
    expect(llm[0]!.endedAt).toBeGreaterThanOrEqual(llm[0]!.firstAt!);
    const tts = requests.filter((r) => r.kind === 'tts');
    expect(tts.map((r) => [r.outcome, r.usage])).toEqual([
      ['ok', { characters: 'Sure.'.length }],
      ['ok', { characters: 'We open at nine.'.length }],
    ]);
    for (const r of tts) expect(r.endedAt).toBeGreaterThanOrEqual(r.firstAt ?? Infinity);
    await ctx.session.end('agent_hangup');
  });

  it('a barge-in: the cut LLM and TTS requests are in the interrupted turn, aborted', async () => {
    const ctx = setup(stalling);
    ctx.tts.holdAfterFirstChunk = true;
    await callerTurn(ctx, 'Tell me something.');
    await until(() => ctx.transport.audio.length >= 1); // the agent is speaking
    ctx.stt.last.speechStarted();
    await until(() => ctx.metrics.length === 1);
    expect(ctx.metrics[0]?.interrupted).toBe(true);
    const requests = ctx.metrics[0]?.requests ?? [];
    expect(requests.filter((r) => r.kind === 'llm').map((r) => r.outcome)).toEqual(['aborted']);
    const tts = requests.filter((r) => r.kind === 'tts');
    expect(tts.length).toBeGreaterThanOrEqual(1);
    expect(tts.every((r) => r.outcome === 'aborted')).toBe(true);
    await ctx.session.end('agent_hangup');
  });
});
