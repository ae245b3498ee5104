import { describe, expect, it } from 'vitest';
import { defineTool } from '../../tools/tool.js';
import { createTextSession } from './text-session.js';
import { FakeLLM } from '../testing-fakes.js';

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const s of it) out.push(s);
  return out;
}

describe('createTextSession', () => {
  it('runs the same conversation logic without audio: variables, tools, history, end_call', async () => {
    const seen: string[] = [];
    const llm = new FakeLLM([
      [{ type: 'toolCall', call: { id: 'a', name: 'lookup', arguments: '{"id":"7"}' } }],
      [{ type: 'text', text: 'Order 7 shipped, Ann. Goodbye!' }, { type: 'toolCall', call: { id: 'b', name: 'end_call', arguments: '{}' } }],
    ]);
    const session = createTextSession({
      agent: {
        llm,
        systemPrompt: 'Help {name}.',
        firstMessage: 'Hi {name}!',
        tools: [
          defineTool<{ id: string }>({
            name: 'lookup',
            description: 'Order status',
            parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
            handler: ({ id }, ctx) => {
              seen.push(`${id}@${ctx.callId}`);
              return 'shipped';
            },
          }),
        ],
      },
      variables: { name: 'Ann' },
      callId: 'test-1',
    });
    const tools: string[] = [];
    session.on('toolCall', (e) => tools.push(e.name));
    expect(session.greeting).toBe('Hi Ann!');
    expect(await collect(session.send('Where is order 7?'))).toEqual(['Order 7 shipped, Ann.', 'Goodbye!']);
    expect(seen).toEqual(['7@test-1']);
    expect(tools).toEqual(['lookup', 'end_call']);
    const summary = await session.ended;
    expect(summary.reason).toBe('agent_hangup');
    expect(session.isEnded).toBe(true);
    expect(session.history().map((m) => m.role)).toEqual(['system', 'assistant', 'user', 'assistant', 'tool', 'assistant', 'tool']);
    expect(summary.transcript.map((e) => e.text)).toEqual(['Hi Ann!', 'Where is order 7?', 'Order 7 shipped, Ann. Goodbye!']);
    // The call session's own summary: only the text leg's duration, no audio or tokens.
    expect(Object.keys(summary.usage)).toEqual(['test']);
    expect(summary.usage.test?.callSeconds).toBeGreaterThanOrEqual(0);
    expect(summary).toMatchObject({ callId: 'test-1', callRef: 'test-1', cost: {} });
    expect(await collect(session.send('hello?'))).toEqual([]);
  });

  it('is a call session: callStart and callEnd fire, keypad input is marked for the model', async () => {
    const llm = new FakeLLM([
      [{ type: 'text', text: 'You pressed one.' }],
      [{ type: 'text', text: 'Anything else?' }],
    ]);
    const session = createTextSession({ agent: { llm }, callId: 'test-2' });
    const events: string[] = [];
    session.on('callStart', (info) => events.push(`start ${info.carrier} ${info.callId}`));
    session.on('callEnd', (summary) => events.push(`end ${summary.reason}`));
    expect(await collect(session.send('1', 'dtmf'))).toEqual(['You pressed one.']);
    expect(await collect(session.send('no'))).toEqual(['Anything else?']);
    expect(session.history().filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['[keypad] 1', 'no']);
    await session.end();
    await session.ended;
    expect(events).toEqual(['start test test-2', 'end agent_hangup']);
    expect((await session.ended).transcript.map((e) => `${e.role}: ${e.text}`)).toEqual([
      'user: 1',
      'assistant: You pressed one.',
      'user: no',
      'assistant: Anything else?',
    ]);
  });
});
