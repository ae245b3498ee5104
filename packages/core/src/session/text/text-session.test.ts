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
    expect(summary.usage).toEqual({});
    expect(await collect(session.send('hello?'))).toEqual([]);
  });
});
