import { describe, expect, it } from 'vitest';
import type { AgentOptions } from '../agent/agent-options.js';
import { MULAW_8K, PCM16_16K, PCM16_24K } from '../audio/audio-format.js';
import { createAudioConverter } from '../audio/audio-converter.js';
import type { CallEndSummary, TurnMetrics } from './call-session.js';
import { createCallSession } from './create-call-session.js';
import { definePlugin } from '../registry/define-plugin.js';
import { registry } from '../registry/registry.js';
import { FakeLLM, FakeSTT, FakeTransport, FakeTTS, settle, until, voicedFrame, type LLMScript } from './testing-fakes.js';

function setup(scripts: LLMScript[], agent: Partial<AgentOptions> = {}) {
  const transport = new FakeTransport();
  const stt = new FakeSTT();
  const llm = new FakeLLM(scripts);
  const tts = new FakeTTS();
  const session = createCallSession({ agent: { stt, llm, tts, ...agent }, transport });
  return { transport, stt, llm, tts, session };
}

function text(t: string) {
  return { type: 'text', text: t } as const;
}

describe('createCallSession (pipeline)', () => {
  it('runs a turn: caller audio → STT → LLM → TTS → carrier audio with marks, history right', async () => {
    const { transport, stt, llm, tts, session } = setup(
      [[text('Sure, '), text('it opens at 9.30 a.m. on Monday. '), text('Anything else?'), { type: 'done', finishReason: 'stop' }]],
      { systemPrompt: 'You help {company} callers.', firstMessage: 'Hi, {company} here.', variables: { company: 'Acme' } },
    );
    const transcripts: string[] = [];
    session.on('transcript', (t) => transcripts.push(`${t.role}:${t.text}`));
    transport.start();
    await until(() => transport.count('mark') === 1);
    expect(tts.requests[0]?.text).toBe('Hi, Acme here.');
    transport.playAll();

    for (let i = 0; i < 10; i++) transport.hear(voicedFrame());
    expect(stt.last.frames).toHaveLength(10);
    expect(stt.last.frames[3]).toEqual(voicedFrame()); // μ-law to μ-law: passed through untouched
    expect(stt.last.options.format).toEqual(transport.format);
    stt.last.say('When do you open on Monday?');
    await until(() => tts.requests.length === 3);

    expect(llm.requests).toHaveLength(1);
    expect(llm.requests[0]?.messages).toEqual([
      { role: 'system', content: 'You help Acme callers.' },
      { role: 'assistant', content: 'Hi, Acme here.' },
      { role: 'user', content: 'When do you open on Monday?' },
    ]);
    expect(llm.requests[0]?.tools?.map((t) => t.name)).toEqual(['transfer_call', 'end_call']);
    // Decimal and abbreviation did not split; the sentence went out before "Anything else?".
    expect(tts.requests.map((r) => r.text)).toEqual(['Hi, Acme here.', 'Sure, it opens at 9.30 a.m. on Monday.', 'Anything else?']);
    await until(() => transport.count('mark') === 3);
    const marks = transport.commands.filter((c) => c.type === 'mark');
    expect(marks).toHaveLength(3);
    const lastAudio = transport.commands.map((c) => c.type).lastIndexOf('audio');
    expect(transport.commands[lastAudio + 1]?.type).toBe('mark');

    transport.playAll();
    await settle();
    transport.stop('caller_hangup');
    const summary = await session.ended;
    expect(summary.reason).toBe('caller_hangup');
    expect(summary.transcript.map((e) => `${e.role}:${e.text}`)).toEqual([
      'assistant:Hi, Acme here.',
      'user:When do you open on Monday?',
      'assistant:Sure, it opens at 9.30 a.m. on Monday. Anything else?',
    ]);
    expect(summary.usage.fake_tts?.characters).toBe(
      'Hi, Acme here.'.length + 'Sure, it opens at 9.30 a.m. on Monday.'.length + 'Anything else?'.length,
    );
    expect(summary.usage.fake_stt?.audioSeconds).toBeCloseTo(0.2);
    expect(transcripts).toContain('user:When do you open on Monday?');
  });

  it('a call that ends during a reply keeps what the caller heard of it: all of it when the last echo came with the hang-up, the played sentences otherwise', async () => {
    for (const [play, heard] of [
      ['all', 'It opens at nine. It closes at five.'],
      ['first', 'It opens at nine.'],
    ] as const) {
      const { transport, stt, tts, session } = setup([[text('It opens at nine. '), text('It closes at five.'), { type: 'done', finishReason: 'stop' }]]);
      transport.start();
      await settle();
      for (let i = 0; i < 3; i++) transport.hear(voicedFrame());
      stt.last.say('When are you open?');
      await until(() => tts.requests.length === 2 && transport.count('mark') === 2);
      if (play === 'all') transport.playAll();
      else transport.playThrough(transport.commands.find((c) => c.type === 'mark')!.name);
      // The hang-up in the same tick as the echo: nothing ran in between.
      transport.stop('caller_hangup');
      const summary = await session.ended;
      expect(summary.transcript.map((e) => `${e.role}:${e.text}`)).toEqual(['user:When are you open?', `assistant:${heard}`]);
    }
  });

  it('converts only where formats differ: PCM16 16 kHz STT and TTS on a μ-law 8 kHz carrier', async () => {
    const transport = new FakeTransport();
    const stt = new FakeSTT();
    stt.inputFormats = [PCM16_16K];
    const tts = new FakeTTS();
    tts.outputFormats = [PCM16_24K, PCM16_16K];
    const session = createCallSession({ transport, agent: { stt, tts, llm: new FakeLLM([]), firstMessage: 'One two three.' } });
    transport.start();
    await until(() => transport.count('mark') === 1);
    expect(stt.last.options.format).toEqual(PCM16_16K);
    expect(tts.requests[0]?.format).toEqual(PCM16_16K); // the rate nearest the carrier's
    transport.hear(voicedFrame());
    expect(stt.last.frames[0]?.length).toBeGreaterThan(0);
    expect(stt.last.frames[0]?.length).toBeLessThanOrEqual(640); // 20 ms of PCM16 16 kHz, minus filter delay
    const sent = transport.audio.reduce((n, a) => n + a.length, 0);
    // The fake TTS gives 8 bytes a character: 112 bytes of PCM16 16 kHz (3.5 ms) → 28 μ-law bytes,
    // and the resampler's tail (its group delay) drained at the sentence's end.
    const reference = createAudioConverter(PCM16_16K, MULAW_8K);
    expect(sent).toBe(reference.convert(new Uint8Array(112)).length + reference.flush().length);
    expect(sent).toBeGreaterThan(28);
    await session.end('agent_hangup');
  });

  it('speaks a first message sentence by sentence (one TTS request each, as a reply) and keeps it whole in the history', async () => {
    const { transport, tts, llm, stt, session } = setup([[text('We open at nine.'), { type: 'done', finishReason: 'stop' }]], {
      firstMessage: 'Hi, Acme here. Calls may be recorded! How can I help you today?',
    });
    const said: string[] = [];
    session.on('transcript', (t) => {
      if (t.role === 'assistant') said.push(t.text);
    });
    transport.start();
    await until(() => transport.count('mark') === 3);
    expect(tts.requests.map((r) => r.text)).toEqual(['Hi, Acme here.', 'Calls may be recorded!', 'How can I help you today?']);
    transport.playAll();
    await until(() => said.length === 1);
    expect(said).toEqual(['Hi, Acme here. Calls may be recorded! How can I help you today?']);
    for (let i = 0; i < 10; i++) transport.hear(voicedFrame());
    stt.last.say('When do you open?');
    await until(() => llm.requests.length === 1);
    expect(llm.requests[0]?.messages).toEqual([
      { role: 'assistant', content: 'Hi, Acme here. Calls may be recorded! How can I help you today?' },
      { role: 'user', content: 'When do you open?' },
    ]);
    await session.end('agent_hangup');
  });

  it('emits callStart once and callEnd once with duration, reason, usage and cost', async () => {
    const { transport, session } = setup([], {
      firstMessage: 'Hello.',
      pricing: { fake_tts: { perThousandCharacters: 1000 }, fake: { perCallMinute: 0 } },
    });
    const starts: string[] = [];
    const ends: CallEndSummary[] = [];
    session.on('callStart', (info) => starts.push(info.callId));
    session.on('callEnd', (s) => ends.push(s));
    transport.start();
    await until(() => transport.count('mark') === 1);
    await session.end('agent_hangup');
    await session.end('error');
    transport.stop();
    expect(starts).toEqual(['CA123']);
    expect(ends).toHaveLength(1);
    expect(ends[0]?.reason).toBe('agent_hangup');
    expect(ends[0]?.durationMs).toBeGreaterThanOrEqual(0);
    expect(ends[0]?.cost.fake_tts).toBeCloseTo(6); // 6 characters at $1 each
    expect(transport.count('hangup')).toBe(1);
    expect(session.control.ended).toBe(true);
  });

  it('prices the call from the prices a plugin registered (key and model); the user’s price for a key wins over them', async () => {
    // A vendor package core has never heard of: its registration carries its package name and prices.
    registry.register(
      definePlugin({
        name: '@acme/llm',
        providers: [
          {
            kind: 'llm',
            key: 'acme_llm',
            create: () => {
              throw new Error('not used');
            },
            price: { perMillionInputTokens: 0.5 },
            modelPrices: { 'acme-large': { perMillionInputTokens: 2.5 } },
          },
        ],
      }),
    );
    const costOf = async (pricing?: AgentOptions['pricing'], model = 'acme-large') => {
      const fake = new FakeLLM([[text('Hi.'), { type: 'usage', usage: { inputTokens: 1_000_000, outputTokens: 0 } }]]);
      const llm = { key: 'acme_llm', model, chat: fake.chat.bind(fake) };
      const { transport, stt, session } = setup([], { llm, ...(pricing ? { pricing } : {}) });
      transport.start();
      await settle();
      for (let i = 0; i < 5; i++) transport.hear(voicedFrame());
      stt.last.say('Hello');
      await until(() => transport.count('mark') === 1);
      await session.end('agent_hangup');
      return (await session.ended).cost;
    };
    expect((await costOf()).acme_llm).toBeCloseTo(2.5); // the registered model price, not the key's
    expect((await costOf(undefined, 'acme-small')).acme_llm).toBeCloseTo(0.5); // the key's price
    expect((await costOf({ acme_llm: { perMillionInputTokens: 1 } })).acme_llm).toBeCloseTo(1);
    expect((await costOf({ acme_llm: { perMillionInputTokens: 1 }, 'acme_llm:acme-large': { perMillionInputTokens: 3 } })).acme_llm).toBeCloseTo(3);
    expect(registry.describe('llm', 'acme_llm')?.plugin).toBe('@acme/llm');
  });

  it('sends DTMF digits to the LLM as the caller’s input', async () => {
    const { transport, llm, tts } = setup([[text('You pressed one two three.')]]);
    transport.start();
    await settle();
    transport.pressKeys('123#');
    await until(() => tts.requests.length === 1);
    expect(llm.requests[0]?.messages.at(-1)).toEqual({ role: 'user', content: '[keypad] 123#' });
  });

  it('passes DTMF and the call control to onMessage, and speaks its streamed reply', async () => {
    const transport = new FakeTransport();
    const stt = new FakeSTT();
    const tts = new FakeTTS();
    const seen: string[] = [];
    const session = createCallSession({
      transport,
      agent: {
        stt,
        tts,
        onMessage: async function* (ctx) {
          seen.push(`${ctx.source}:${ctx.text}:${ctx.call.callId}`);
          yield 'Got it. ';
          yield 'Goodbye!';
        },
      },
    });
    transport.start();
    await settle();
    transport.pressKeys('42#');
    await until(() => tts.requests.length === 2);
    expect(seen).toEqual(['dtmf:42#:CA123']);
    expect(tts.requests.map((r) => r.text)).toEqual(['Got it.', 'Goodbye!']);
    await session.end('agent_hangup');
  });

  it('keeps "yes" but drops a silence hallucination', async () => {
    const { transport, stt, llm, tts } = setup([[text('Great.')]]);
    transport.start();
    await settle();
    stt.last.say('Thanks for watching!');
    await settle();
    expect(llm.requests).toHaveLength(0);
    for (let i = 0; i < 5; i++) transport.hear(voicedFrame());
    stt.last.say('Yes.');
    await until(() => tts.requests.length === 1);
    expect(llm.requests[0]?.messages.at(-1)).toEqual({ role: 'user', content: 'Yes.' });
  });

  it('emits per-turn metrics with the latency breakdown and usage', async () => {
    const { transport, stt, session } = setup([
      [text('Hello there. '), { type: 'usage', usage: { inputTokens: 12, outputTokens: 3 } }, { type: 'done', finishReason: 'stop' }],
    ]);
    const metrics: TurnMetrics[] = [];
    session.on('metrics', (m) => metrics.push(m));
    transport.start();
    await settle();
    for (let i = 0; i < 5; i++) transport.hear(voicedFrame());
    stt.last.say('Hi');
    await until(() => transport.count('mark') === 1);
    expect(metrics).toHaveLength(0); // emitted once the reply has been heard (or interrupted)
    transport.playAll();
    await until(() => metrics.length === 1);
    const m = metrics[0] as TurnMetrics;
    expect(m.callId).toBe('CA123');
    expect(m.turn).toBe(1);
    expect(m.interrupted).toBe(false);
    expect(m.providers).toEqual({ stt: 'fake_stt', tts: 'fake_tts', llm: 'fake_llm' });
    for (const field of ['sttMs', 'llmFirstTokenMs', 'firstSentenceMs', 'ttsFirstByteMs', 'totalMs'] as const) {
      expect(m[field], field).toBeGreaterThanOrEqual(0);
    }
    expect(Object.keys(m.frameworkMs ?? {}).sort()).toEqual([
      'firstSentenceToTtsRequestMs',
      'llmFirstTokenToTtsRequestMs',
      'sttFinalToLlmRequestMs',
      'ttsFirstByteToFirstFrameMs',
    ]);
    expect(m.usage).toEqual({ fake_llm: { inputTokens: 12, outputTokens: 3 }, fake_tts: { characters: 'Hello there.'.length } });
  });

  it('with STT turn detection, finals wait for the vendor’s end of speech (speechFinal or UtteranceEnd)', async () => {
    const { transport, stt, llm, tts } = setup([[text('For two, sure.')], [text('Noted.')]]);
    transport.start();
    await settle();
    for (let i = 0; i < 10; i++) transport.hear(voicedFrame());
    stt.last.say('A table', { speechFinal: false });
    stt.last.say('for two', { speechFinal: false });
    await settle();
    expect(llm.requests).toHaveLength(0);
    stt.last.queue.push({ text: '', isFinal: false, speechFinal: true, confidence: 0, fromFinalize: false, eventType: 'UtteranceEnd' });
    await until(() => tts.requests.length === 1);
    expect(llm.requests[0]?.messages.at(-1)).toEqual({ role: 'user', content: 'A table for two' });
    transport.playAll();
    await settle();
    // A final carrying speech_final ends the next turn at once; a stray UtteranceEnd after it adds nothing.
    for (let i = 0; i < 10; i++) transport.hear(voicedFrame());
    stt.last.say('At eight', { speechFinal: false });
    stt.last.say('please', { speechFinal: true });
    stt.last.queue.push({ text: '', isFinal: false, speechFinal: true, confidence: 0, fromFinalize: false, eventType: 'UtteranceEnd' });
    await until(() => llm.requests.length === 2);
    await settle();
    expect(llm.requests).toHaveLength(2);
    expect(llm.requests[1]?.messages.at(-1)).toEqual({ role: 'user', content: 'At eight please' });
  });

  it('ends the turn on its own VAD silence when configured, finalizing the STT', async () => {
    const { transport, stt, llm, tts } = setup([[text('Okay.')]], { turnDetection: 'vad', endpointingMs: 200 });
    transport.start();
    await settle();
    for (let i = 0; i < 10; i++) transport.hear(voicedFrame());
    stt.last.say('book a table', { speechFinal: false });
    await settle();
    expect(llm.requests).toHaveLength(0);
    for (let i = 0; i < 10; i++) transport.hear(new Uint8Array(160).fill(0xff));
    expect(stt.last.finalized).toBe(1);
    stt.last.say('for two', { speechFinal: false, fromFinalize: true });
    await until(() => tts.requests.length === 1);
    expect(llm.requests[0]?.messages.at(-1)).toEqual({ role: 'user', content: 'book a table for two' });
  });
  it('ends the call with reason "error" when the STT cannot open a stream', async () => {
    const transport = new FakeTransport();
    const stt = new FakeSTT();
    stt.stream = () => {
      throw new TypeError('socket factory broken');
    };
    const session = createCallSession({ transport, agent: { stt, llm: new FakeLLM([]), tts: new FakeTTS() } });
    transport.start();
    const summary = await session.ended;
    expect(summary.reason).toBe('error');
    expect(transport.count('hangup')).toBe(1);
  });
});
