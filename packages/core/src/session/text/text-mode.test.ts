import { describe, expect, it } from 'vitest';
import type { TextChannel } from '../../carrier/text-channel.js';
import { createCallSession } from '../create-call-session.js';
import { FakeLLM, FakeTransport, until } from '../testing-fakes.js';

/** A transport with a text channel beside it: typed text in, the agent's sentences out. */
class TextTransport extends FakeTransport implements TextChannel {
  readonly replies: string[] = [];
  sendText(text: string): void {
    this.replies.push(text);
  }
}

describe('text mode', () => {
  it('answers typed text through onMessage, books through a tool, and records both sides', async () => {
    const transport = new TextTransport();
    const bookings: unknown[] = [];
    const session = createCallSession({
      transport,
      text: transport,
      agent: {
        firstMessage: 'Luigi’s, how can I help?',
        tools: [
          {
            name: 'book_table',
            description: 'Book',
            parameters: { type: 'object', properties: { people: { type: 'number' } }, required: ['people'] },
            handler: (args: { people: number }) => {
              bookings.push(args);
              return 'booked';
            },
          },
        ],
        onMessage: async function* ({ text }) {
          yield `You said: ${text}. `;
          yield 'Anything else?';
        },
      },
    });
    transport.start();
    await until(() => transport.replies.length === 1);
    expect(transport.replies).toEqual(['Luigi’s, how can I help?']);
    transport.typeText('A table for two');
    await until(() => transport.replies.length === 3);
    expect(transport.replies.slice(1)).toEqual(['You said: A table for two.', 'Anything else?']);
    await session.end('agent_hangup');
    const summary = await session.ended;
    expect(summary.transcript.map((t) => [t.role, t.text])).toEqual([
      ['assistant', 'Luigi’s, how can I help?'],
      ['user', 'A table for two'],
      ['assistant', 'You said: A table for two. Anything else?'],
    ]);
    expect(bookings).toEqual([]);
  });

  it('runs the LLM with tools in text mode', async () => {
    const transport = new TextTransport();
    const llm = new FakeLLM([
      [{ type: 'toolCall', call: { id: 'c1', name: 'book_table', arguments: '{"people":2}' } }, { type: 'done', finishReason: 'tool_calls' }],
      [{ type: 'text', text: 'Booked for two.' }, { type: 'done', finishReason: 'stop' }],
    ]);
    const bookings: unknown[] = [];
    const session = createCallSession({
      transport,
      text: transport,
      agent: {
        llm,
        tools: [
          {
            name: 'book_table',
            description: 'Book',
            parameters: { type: 'object', properties: { people: { type: 'number' } }, required: ['people'] },
            handler: (args: { people: number }) => {
              bookings.push(args);
              return { ok: true };
            },
          },
        ],
      },
    });
    const tools: string[] = [];
    session.on('toolCall', (e) => tools.push(e.name));
    transport.start();
    transport.typeText('Two people at eight');
    await until(() => transport.replies.length === 1);
    expect(transport.replies).toEqual(['Booked for two.']);
    expect(bookings).toEqual([{ people: 2 }]);
    expect(tools).toEqual(['book_table']);
    await session.end('agent_hangup');
  });
  it('transfers from inside a reply (a tool or onMessage): the notice, then the call ends with reason transfer', async () => {
    const transport = new TextTransport();
    const session = createCallSession({
      transport,
      text: transport,
      agent: {
        transferAllowlist: ['+15550100199'],
        onMessage: async ({ call, runTool }) => {
          await call.say('Let me put you through to the manager.');
          await runTool('transfer_call', { number: '+15550100199' });
          return '';
        },
      },
    });
    transport.start();
    transport.typeText('Can I speak to the manager?');
    const summary = await Promise.race([session.ended, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 3_000).unref())]);
    expect(summary).not.toBe('hung');
    expect(summary).toMatchObject({ reason: 'transfer' });
    expect(transport.replies).toEqual(['Let me put you through to the manager.']);
    expect(transport.commands).toContainEqual({ type: 'transfer', to: '+15550100199' });
  });

  it('ends the call from inside a reply through end_call (the LLM says goodbye, then hangs up)', async () => {
    const transport = new TextTransport();
    const llm = new FakeLLM([
      [
        { type: 'text', text: 'Goodbye!' },
        { type: 'toolCall', call: { id: 'c1', name: 'end_call', arguments: '{}' } },
        { type: 'done', finishReason: 'tool_calls' },
      ],
    ]);
    const session = createCallSession({ transport, text: transport, agent: { llm } });
    transport.start();
    transport.typeText('That is all, thanks');
    const summary = await Promise.race([session.ended, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 3_000).unref())]);
    expect(summary).toMatchObject({ reason: 'agent_hangup' });
    expect(transport.replies).toEqual(['Goodbye!']);
  });
});
