import { describe, expect, it } from 'vitest';
import type { LLMDelta } from '../../llm/llm-provider.js';
import type { TurnMetrics } from '../call-session.js';
import { createCallSession } from '../create-call-session.js';
import { FakeLLM, FakeSTT, FakeTransport, FakeTTS, until, voicedFrame, type LLMRequest } from '../testing-fakes.js';

/** An LLM reply that streams two sentences, then stalls until aborted. */
function stallingReply(aborted: { value: boolean }) {
  return (request: LLMRequest): AsyncIterable<LLMDelta> =>
    (async function* () {
      yield { type: 'text', text: 'Hello there, this is the first sentence. ' } as const;
      yield { type: 'text', text: 'And this second one will be cut short. ' } as const;
      await new Promise<void>((resolve) => request.signal?.addEventListener('abort', () => resolve(), { once: true }));
      aborted.value = request.signal?.aborted ?? false;
    })();
}

async function microtasks(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

function setup(agent: { interruptionMinMs?: number; allowInterruptions?: boolean; interruptionGraceMs?: number }) {
  const aborted = { value: false };
  const transport = new FakeTransport();
  const stt = new FakeSTT();
  const llm = new FakeLLM([stallingReply(aborted), [{ type: 'text', text: 'Sure.' }]]);
  const tts = new FakeTTS();
  const session = createCallSession({ transport, agent: { stt, llm, tts, interruptionGraceMs: 0, ...agent } });
  return { aborted, transport, stt, llm, tts, session };
}

async function agentTalking(ctx: ReturnType<typeof setup>): Promise<void> {
  ctx.transport.start();
  await until(() => ctx.stt.streams.length === 1);
  for (let i = 0; i < 5; i++) ctx.transport.hear(voicedFrame());
  ctx.stt.last.say('Tell me something.');
  await until(() => ctx.transport.count('mark') === 2);
}

describe('barge-in', () => {
  it('clears the carrier in the same event-loop turn as speech-start, aborts LLM and TTS, keeps only the played part', async () => {
    const ctx = setup({ interruptionMinMs: 0 });
    const metrics: TurnMetrics[] = [];
    ctx.session.on('metrics', (m) => metrics.push(m));
    ctx.tts.holdAfterFirstChunk = false;
    await agentTalking(ctx);
    // First sentence (41 chars = 41 ms) played, then 12 ms of the second (39 ms).
    ctx.transport.play(41 + 12);
    expect(ctx.transport.count('clear')).toBe(0);

    ctx.stt.last.speechStarted();
    await microtasks(); // no macrotask may run before the clear
    expect(ctx.transport.count('clear')).toBe(1);
    expect(ctx.llm.requests[0]?.signal?.aborted).toBe(true);
    expect(ctx.tts.requests.every((r) => r.signal?.aborted)).toBe(true);
    await until(() => ctx.aborted.value);

    for (let i = 0; i < 5; i++) ctx.transport.hear(voicedFrame());
    ctx.stt.last.say('Wait, stop.');
    await until(() => ctx.llm.requests.length === 2);
    const history = ctx.llm.requests[1]?.messages;
    expect(history).toEqual([
      { role: 'user', content: 'Tell me something.' },
      { role: 'assistant', content: 'Hello there, this is the first sentence. And this' },
      { role: 'user', content: 'Wait, stop.' },
    ]);
    expect(metrics[0]?.interrupted).toBe(true);
    await ctx.session.end('agent_hangup');
  });

  it('does not interrupt on a cough: speech shorter than the minimum', async () => {
    const ctx = setup({ interruptionMinMs: 400 });
    await agentTalking(ctx);
    ctx.stt.last.speechStarted();
    for (let i = 0; i < 5; i++) ctx.transport.hear(voicedFrame()); // 100 ms of voice
    for (let i = 0; i < 15; i++) ctx.transport.hear(new Uint8Array(160).fill(0xff));
    ctx.stt.last.say('hm', { isFinal: false, speechFinal: false });
    await microtasks(50);
    expect(ctx.transport.count('clear')).toBe(0);
    // Real speech: 400 ms of voice interrupts.
    for (let i = 0; i < 20; i++) ctx.transport.hear(voicedFrame());
    expect(ctx.transport.count('clear')).toBe(1);
    expect(ctx.llm.requests[0]?.signal?.aborted).toBe(true);
  });

  it('interrupts on interim text long enough', async () => {
    const ctx = setup({ interruptionMinMs: 300 });
    await agentTalking(ctx);
    ctx.stt.last.say('no no, I meant Tuesday', { isFinal: false, speechFinal: false });
    await microtasks();
    expect(ctx.transport.count('clear')).toBe(1);
  });

  it('never interrupts with allowInterruptions: false, nor inside the grace window', async () => {
    const off = setup({ interruptionMinMs: 0, allowInterruptions: false });
    await agentTalking(off);
    off.stt.last.speechStarted();
    await microtasks();
    expect(off.transport.count('clear')).toBe(0);

    const grace = setup({ interruptionMinMs: 0, interruptionGraceMs: 60_000 });
    await agentTalking(grace);
    grace.stt.last.speechStarted();
    await microtasks();
    expect(grace.transport.count('clear')).toBe(0);
  });
  it('an interrupted first message keeps only its heard part in the history', async () => {
    const transport = new FakeTransport();
    const stt = new FakeSTT();
    const llm = new FakeLLM([[{ type: 'text', text: 'Sure.' }]]);
    const tts = new FakeTTS();
    createCallSession({
      transport,
      agent: { stt, llm, tts, interruptionMinMs: 0, interruptionGraceMs: 0, firstMessage: 'Welcome to Acme, the best hardware store in town.' },
    });
    transport.start();
    await until(() => transport.count('mark') === 1);
    transport.play(19); // "Welcome to Acme, th" heard
    stt.last.speechStarted();
    await microtasks();
    expect(transport.count('clear')).toBe(1);
    for (let i = 0; i < 5; i++) transport.hear(voicedFrame());
    stt.last.say('Hi, I need a hammer.');
    await until(() => llm.requests.length === 1);
    expect(llm.requests[0]?.messages).toEqual([
      { role: 'assistant', content: 'Welcome to Acme,' },
      { role: 'user', content: 'Hi, I need a hammer.' },
    ]);
  });
  it('a reply fully synthesized but still playing is cut to its heard part (the common case: TTS is faster than real time)', async () => {
    const transport = new FakeTransport();
    const stt = new FakeSTT();
    const llm = new FakeLLM([
      [{ type: 'text', text: 'We open at nine. On Sundays we open at eleven instead.' }, { type: 'done', finishReason: 'stop' }],
      [{ type: 'text', text: 'Yes.' }],
    ]);
    const tts = new FakeTTS();
    createCallSession({ transport, agent: { stt, llm, tts, interruptionMinMs: 0, interruptionGraceMs: 0 } });
    transport.start();
    await until(() => stt.streams.length === 1);
    for (let i = 0; i < 5; i++) transport.hear(voicedFrame());
    stt.last.say('When do you open?');
    await until(() => transport.count('mark') === 2);
    await microtasks();
    transport.play(17 + 15); // the first sentence and "On Sundays we" of the second
    stt.last.speechStarted();
    await microtasks();
    expect(transport.count('clear')).toBe(1);
    for (let i = 0; i < 5; i++) transport.hear(voicedFrame());
    stt.last.say('Even on Sundays?');
    await until(() => llm.requests.length === 2);
    expect(llm.requests[1]?.messages[1]).toEqual({ role: 'assistant', content: 'We open at nine. On Sundays we' });
  });

  it('with allowInterruptions: false the next turn waits until the agent finished speaking', async () => {
    const transport = new FakeTransport();
    const stt = new FakeSTT();
    const llm = new FakeLLM([[{ type: 'text', text: 'A long answer.' }], [{ type: 'text', text: 'Second.' }]]);
    const tts = new FakeTTS();
    createCallSession({ transport, agent: { stt, llm, tts, allowInterruptions: false } });
    transport.start();
    await until(() => stt.streams.length === 1);
    for (let i = 0; i < 5; i++) transport.hear(voicedFrame());
    stt.last.say('Question one?');
    await until(() => transport.count('mark') === 1);
    for (let i = 0; i < 5; i++) transport.hear(voicedFrame());
    stt.last.say('Question two?');
    await microtasks(50);
    expect(llm.requests).toHaveLength(1);
    expect(transport.count('clear')).toBe(0);
    transport.playAll();
    await until(() => llm.requests.length === 2);
    expect(llm.requests[1]?.messages.slice(-2)).toEqual([
      { role: 'assistant', content: 'A long answer.' },
      { role: 'user', content: 'Question two?' },
    ]);
  });

  it("a turn's heard latency comes from its heard mark's promise: set once played, absent when cut before it played, nothing after the cut changes it", async () => {
    const ctx = setup({ interruptionMinMs: 0 });
    const metrics: TurnMetrics[] = [];
    ctx.session.on('metrics', (m) => metrics.push(m));
    await agentTalking(ctx);
    expect(ctx.transport.heardMarks).toEqual(['patter-heard-1']);
    ctx.transport.playThrough('patter-heard-1'); // the reply's first frame played
    await microtasks();
    ctx.stt.last.speechStarted();
    await until(() => metrics.length === 1);
    expect(metrics[0]).toMatchObject({ turn: 1, interrupted: true });
    expect(metrics[0]?.heardMs).toBeGreaterThanOrEqual(0);

    for (let i = 0; i < 5; i++) ctx.transport.hear(voicedFrame());
    ctx.stt.last.say('Wait, stop.');
    await until(() => ctx.transport.heardMarks.length === 2 && ctx.transport.count('mark') === 3);
    ctx.stt.last.speechStarted(); // cut before its first frame was played: the clear settles the mark as not played
    await until(() => metrics.length === 2);
    expect(metrics[1]).toMatchObject({ turn: 2, interrupted: true });
    expect(metrics[1]?.heardMs).toBeUndefined();
    ctx.transport.playAll();
    await microtasks();
    expect(metrics).toHaveLength(2);
    expect(metrics[1]?.heardMs).toBeUndefined();
  });
});
