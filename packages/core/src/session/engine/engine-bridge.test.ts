import { describe, expect, it } from 'vitest';
import { MULAW_8K } from '../../audio/audio-format.js';
import type { Engine } from '../../engine/engine.js';
import { createCallSession } from '../create-call-session.js';
import { ProviderError } from '../../errors/provider-error.js';
import { definePlugin } from '../../registry/define-plugin.js';
import { registry } from '../../registry/registry.js';
import { FakeTransport, settle, until } from '../testing-fakes.js';
import { engineCall, FakeEngine, frame } from './fake-engine.js';

describe('engine bridge', () => {
  it('an engine whose plugin prices it by the minute of call is charged for the call’s duration', async () => {
    registry.register(
      definePlugin({
        name: '@acme/engine',
        providers: [
          {
            kind: 'engine',
            key: 'fake_engine',
            create: () => new FakeEngine(),
            price: { perCallMinute: 60 },
          },
        ],
      }),
    );
    const { transport, session } = engineCall();
    transport.start();
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await session.end('agent_hangup');
    const summary = await session.ended;
    expect(summary.usage.fake_engine?.callSeconds).toBeCloseTo(summary.durationMs / 1000, 3);
    expect(summary.cost.fake_engine).toBeCloseTo(summary.durationMs / 1000, 3); // $60 a minute is $1 a second
    expect(summary.cost.fake_engine).toBeGreaterThan(0);
  });

  it('connects with the substituted instructions, tools, carrier format and the first message for the engine to speak', async () => {
    const { engine, session } = engineCall({ firstMessage: 'Welcome to {company}.' });
    await until(() => engine.sessions.length === 1);
    const connect = engine.connects[0]!;
    expect(connect.instructions).toBe('You work for Acme.');
    expect(connect.carrierFormat).toEqual(MULAW_8K);
    expect(connect.tools.map((t) => t.name)).toEqual(['transfer_call', 'end_call']);
    // Passed to connect (ElevenLabs takes it only in its conversation initiation), not said again.
    expect(connect.firstMessage).toBe('Welcome to Acme.');
    await settle();
    expect(engine.sessions[0]!.said).toEqual([]);
    // A later say() goes to the live session.
    const said = session.control.say('Still there?');
    await until(() => engine.sessions[0]!.said.length === 1);
    engine.sessions[0]!.emit({ type: 'responseDone' });
    await said;
    expect(engine.sessions[0]!.said).toEqual(['Still there?']);
    await session.end('agent_hangup');
  });

  it('bridges caller audio to the engine and engine audio to the carrier untouched when formats match', async () => {
    const { transport, engine, session } = engineCall();
    transport.hear(frame(1));
    await until(() => engine.sessions.length === 1);
    transport.hear(frame(2));
    await until(() => engine.sessions[0]!.audio.length === 2);
    expect(engine.sessions[0]!.audio.map((a) => a[0])).toEqual([1, 2]);
    const out = frame(7, 800);
    engine.sessions[0]!.emit({ type: 'audio', data: out });
    await until(() => transport.audio.length === 1);
    expect(transport.audio[0]).toBe(out);
    await session.end('agent_hangup');
  });

  it('barge-in clears the carrier and reports only the heard milliseconds of the reply', async () => {
    const { transport, engine, session } = engineCall();
    await until(() => engine.sessions.length === 1);
    const live = engine.sessions[0]!;
    live.emit({ type: 'audio', data: frame(9, 3840) }); // 480 ms of μ-law
    await until(() => transport.audio.length === 1);
    transport.play(200);
    live.emit({ type: 'speechStarted' });
    await until(() => live.interrupts.length === 1);
    expect(transport.commands.at(-1)).toEqual({ type: 'clear' });
    expect(live.interrupts).toEqual([200]);
    // A second reply starts counting from zero again.
    live.emit({ type: 'responseDone' });
    live.emit({ type: 'audio', data: frame(9, 800) });
    await until(() => transport.audio.length === 2);
    transport.play(40);
    live.emit({ type: 'speechStarted' });
    await until(() => live.interrupts.length === 2);
    expect(live.interrupts[1]).toBe(40);
    await session.end('agent_hangup');
  });

  it('barge-in after the engine finished generating the reply (responseDone) still reports the heard ms', async () => {
    const { transport, engine, session } = engineCall();
    await until(() => engine.sessions.length === 1);
    const live = engine.sessions[0]!;
    transport.hear(frame(1));
    live.emit({ type: 'audio', data: frame(9, 1600) }); // 200 ms
    live.emit({ type: 'audio', data: frame(9, 8000) }); // 1 s
    live.emit({ type: 'responseDone' }); // generated faster than real time: still playing
    await until(() => transport.audio.length === 2);
    transport.play(700);
    live.emit({ type: 'speechStarted' });
    await until(() => live.interrupts.length === 1);
    expect(live.interrupts).toEqual([700]);
    expect(transport.count('clear')).toBe(1);
    // Once a reply has played to the end, the caller's next turn interrupts nothing.
    live.emit({ type: 'audio', data: frame(9, 800) });
    live.emit({ type: 'responseDone' });
    await until(() => transport.audio.length === 3);
    transport.playAll();
    live.emit({ type: 'speechStarted' });
    await settle();
    expect(live.interrupts).toEqual([700]);
    await session.end('agent_hangup');
  });

  it("keeps only the heard part of an interrupted reply's text, as the pipeline does", async () => {
    const { transport, engine, session } = engineCall();
    const finals: string[] = [];
    session.on('transcript', (t) => void (t.isFinal && finals.push(`${t.role}: ${t.text}`)));
    await until(() => engine.sessions.length === 1);
    const live = engine.sessions[0]!;
    const text = 'one two three four five six seven eight nine ten';
    // The text comes with the audio, long before the carrier has played it: held, not recorded.
    live.emit({ type: 'audio', data: frame(9, 8000) }); // 1 s
    live.emit({ type: 'transcript', role: 'assistant', text, isFinal: true });
    live.emit({ type: 'responseDone' });
    await until(() => transport.audio.length === 1);
    await settle();
    expect(finals).toEqual([]);
    transport.play(300);
    live.emit({ type: 'speechStarted' });
    await until(() => finals.length === 1);
    expect(finals).toEqual(['assistant: one two three']);

    // A barge-in before the reply's text arrived cuts the text when it comes.
    live.emit({ type: 'audio', data: frame(9, 8000) });
    await until(() => transport.audio.length === 2);
    transport.play(500);
    live.emit({ type: 'speechStarted' });
    await until(() => live.interrupts.length === 2);
    live.emit({ type: 'transcript', role: 'assistant', text, isFinal: true });
    await until(() => finals.length === 2);
    expect(finals[1]).toBe('assistant: one two three four five');

    // A reply heard to the end is recorded whole, once it has played.
    live.emit({ type: 'audio', data: frame(9, 1600) });
    live.emit({ type: 'transcript', role: 'assistant', text: 'See you Friday.', isFinal: true });
    live.emit({ type: 'responseDone' });
    await until(() => transport.audio.length === 3);
    await settle();
    expect(finals).toHaveLength(2);
    transport.playAll();
    await until(() => finals.length === 3);
    transport.stop('caller_hangup');
    const summary = await session.ended;
    expect(summary.transcript.map((t) => `${t.role}: ${t.text}`)).toEqual([
      'assistant: one two three',
      'assistant: one two three four five',
      'assistant: See you Friday.',
    ]);
  });

  it("takes the vendor's correction of an interrupted reply's text into the history and transcript", async () => {
    const { transport, engine, session } = engineCall();
    await until(() => engine.sessions.length === 1);
    const live = engine.sessions[0]!;
    // ElevenLabs sends the reply's text before its audio: recorded at once, corrected later.
    live.emit({ type: 'transcript', role: 'assistant', text: 'We open at noon and close at eleven.', isFinal: true });
    live.emit({ type: 'responseDone' });
    live.emit({ type: 'audio', data: frame(9, 8000) });
    await until(() => transport.audio.length === 1);
    live.emit({ type: 'interruption' });
    live.emit({ type: 'transcriptCorrection', original: 'We open at noon and close at eleven.', corrected: 'We open at noon' });
    live.emit({ type: 'transcriptCorrection', original: 'never said', corrected: 'x' }); // unknown: ignored
    await settle();
    transport.stop('caller_hangup');
    const summary = await session.ended;
    expect(transport.count('clear')).toBe(1);
    expect(summary.transcript.map((t) => `${t.role}: ${t.text}`)).toEqual(['assistant: We open at noon']);
  });

  it('ignores caller speech while the agent is silent, and when interruptions are off', async () => {
    const { transport, engine, session } = engineCall({ allowInterruptions: false });
    await until(() => engine.sessions.length === 1);
    const live = engine.sessions[0]!;
    live.emit({ type: 'speechStarted' });
    live.emit({ type: 'audio', data: frame(9, 800) });
    live.emit({ type: 'speechStarted' });
    await settle();
    expect(live.interrupts).toEqual([]);
    expect(transport.count('clear')).toBe(0);
    await session.end('agent_hangup');
  });

  it('runs a tool call and returns its output to the engine', async () => {
    const booked: unknown[] = [];
    const { engine, session } = engineCall({
      tools: [
        {
          name: 'book_table',
          description: 'Book a table',
          parameters: { type: 'object', properties: { day: { type: 'string' } }, required: ['day'] },
          handler: (args: { day: string }) => {
            booked.push(args);
            return { ok: true, ref: 'B-42' };
          },
        },
      ],
    });
    const toolEvents: unknown[] = [];
    session.on('toolCall', (e) => toolEvents.push(e));
    await until(() => engine.sessions.length === 1);
    const live = engine.sessions[0]!;
    live.emit({ type: 'toolCall', call: { id: 'call_1', name: 'book_table', arguments: '{"day":"Monday"}' } });
    await until(() => live.toolResults.length === 1);
    expect(booked).toEqual([{ day: 'Monday' }]);
    expect(live.toolResults).toEqual([{ callId: 'call_1', output: '{"ok":true,"ref":"B-42"}' }]);
    expect(toolEvents).toEqual([{ name: 'book_table', arguments: { day: 'Monday' }, result: { ok: true, ref: 'B-42' }, durationMs: expect.any(Number) }]);
    await session.end('agent_hangup');
  });

  it('built-in transfer_call reaches the carrier for an allowed number and is refused otherwise', async () => {
    const { transport, engine, session } = engineCall({ transferAllowlist: ['+1555*'] });
    await until(() => engine.sessions.length === 1);
    const live = engine.sessions[0]!;
    live.emit({ type: 'toolCall', call: { id: 'c1', name: 'transfer_call', arguments: '{"number":"+19005550100"}' } });
    await until(() => live.toolResults.length === 1);
    expect(transport.count('transfer')).toBe(0);
    expect(live.toolResults[0]!.output).toMatch(/error/);
    live.emit({ type: 'toolCall', call: { id: 'c2', name: 'transfer_call', arguments: '{"number":"+15550001234"}' } });
    await until(() => transport.count('transfer') === 1);
    expect(transport.commands.find((c) => c.type === 'transfer')).toEqual({ type: 'transfer', to: '+15550001234' });
    await session.end('agent_hangup');
  });

  it('records both sides of the conversation and the engine usage in the call summary', async () => {
    const { transport, engine, session } = engineCall();
    await until(() => engine.sessions.length === 1);
    const live = engine.sessions[0]!;
    live.emit({ type: 'transcript', role: 'user', text: 'A table for two.', isFinal: true });
    live.emit({ type: 'transcript', role: 'assistant', text: 'Sure', isFinal: false });
    live.emit({ type: 'transcript', role: 'assistant', text: 'Sure, for when?', isFinal: true });
    live.emit({ type: 'responseDone', usage: { inputTokens: 100, outputTokens: 20, inputAudioTokens: 30, outputAudioTokens: 15 } });
    await settle();
    transport.stop('caller_hangup');
    const summary = await session.ended;
    expect(summary.reason).toBe('caller_hangup');
    expect(summary.transcript.map((t) => [t.role, t.text])).toEqual([
      ['user', 'A table for two.'],
      ['assistant', 'Sure, for when?'],
    ]);
    // Text and audio tokens apart (the totals include the audio).
    expect(summary.usage.fake_engine).toMatchObject({ inputTokens: 70, outputTokens: 5, inputAudioTokens: 30, outputAudioTokens: 15 });
    expect(live.closed).toBe(true);
  });

  it('ends the call with reason error when the engine reports a fatal error', async () => {
    const { transport, engine, session } = engineCall();
    await until(() => engine.sessions.length === 1);
    engine.sessions[0]!.emit({ type: 'error', error: new ProviderError('fake_engine', 'socket dropped', { retryable: true }), fatal: true });
    const summary = await session.ended;
    expect(summary.reason).toBe('error');
    expect(transport.count('hangup')).toBe(1);
  });

  it('ends the call with reason error when the engine cannot connect', async () => {
    const transport = new FakeTransport();
    const engine: Engine = {
      key: 'broken',
      connect: async () => {
        throw new ProviderError('broken', 'refused');
      },
    };
    const session = createCallSession({ transport, agent: { engine } });
    transport.start();
    expect((await session.ended).reason).toBe('error');
  });

  it('a reply whose text comes before its audio (ElevenLabs) is reported once generated and played, and a hang-up waits for exactly that', async () => {
    const { transport, engine, session } = engineCall();
    const finals: string[] = [];
    session.on('transcript', (t) => void (t.isFinal && finals.push(`${t.role}: ${t.text}`)));
    await until(() => engine.sessions.length === 1);
    const live = engine.sessions[0]!;
    live.emit({ type: 'transcript', role: 'assistant', text: 'Thanks for calling, goodbye!', isFinal: true });
    live.emit({ type: 'audio', data: frame(9, 4000) }); // 500 ms
    await until(() => transport.audio.length === 1);
    let hungUp = false;
    const hangup = session.control.hangup().then(() => void (hungUp = true));
    await settle();
    expect(finals).toEqual([]); // not heard yet
    expect(hungUp).toBe(false);
    live.emit({ type: 'audio', data: frame(9, 4000) }); // more of the same reply
    live.emit({ type: 'responseDone' });
    await until(() => transport.audio.length === 2);
    await settle();
    expect(hungUp).toBe(false); // generated, still playing
    transport.play(600);
    await settle();
    expect(hungUp).toBe(false);
    transport.playAll();
    await until(() => hungUp);
    await hangup;
    expect(transport.count('hangup')).toBe(1);
    expect(transport.count('audio')).toBe(2);
    const summary = await session.ended;
    expect(summary.reason).toBe('agent_hangup');
    expect(summary.transcript.map((t) => `${t.role}: ${t.text}`)).toEqual(['assistant: Thanks for calling, goodbye!']);
    expect(finals).toEqual(['assistant: Thanks for calling, goodbye!']);
  });

  it("the engine's own interruption (ElevenLabs) cuts the held reply to the share the carrier played", async () => {
    const { transport, engine, session } = engineCall();
    await until(() => engine.sessions.length === 1);
    const live = engine.sessions[0]!;
    const text = 'one two three four five six seven eight nine ten';
    live.emit({ type: 'transcript', role: 'assistant', text, isFinal: true });
    live.emit({ type: 'audio', data: frame(9, 8000) }); // 1 s
    await until(() => transport.audio.length === 1);
    transport.play(300);
    live.emit({ type: 'interruption' });
    await until(() => transport.count('clear') === 1);
    // The vendor's correction is computed from the audio it sent, not from what was played: the marks win.
    live.emit({ type: 'transcriptCorrection', original: text, corrected: 'one two three four five six seven' });
    await settle();
    transport.stop('caller_hangup');
    const summary = await session.ended;
    expect(summary.transcript.map((t) => `${t.role}: ${t.text}`)).toEqual(['assistant: one two three']);
  });
});
