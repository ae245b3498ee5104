import { describe, expect, it } from 'vitest';
import type { AgentOptions } from '../../agent/agent-options.js';
import type { CallControl } from '../../call/call-control.js';
import { defineTool } from '../../tools/tool.js';
import { createCallSession } from '../create-call-session.js';
import { FakeLLM, FakeSTT, FakeTransport, FakeTTS, settle, until, voicedFrame, type LLMScript } from '../testing-fakes.js';

const weather = (seen: unknown[]) =>
  defineTool<{ city: string }>({
    name: 'get_weather',
    description: 'Weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
    handler: ({ city }, { call }) => {
      seen.push({ city, callId: call.callId });
      return { city, sky: 'sunny' };
    },
  });

async function talk(scripts: LLMScript[], agent: Partial<AgentOptions>, words = 'Hi') {
  const transport = new FakeTransport();
  const stt = new FakeSTT();
  const llm = new FakeLLM(scripts);
  const tts = new FakeTTS();
  const session = createCallSession({ transport, agent: { stt, llm, tts, ...agent } });
  const toolEvents: { name: string; error?: string }[] = [];
  session.on('toolCall', (e) => toolEvents.push({ name: e.name, ...(e.error === undefined ? {} : { error: e.error }) }));
  transport.start();
  await until(() => stt.streams.length === 1);
  for (let i = 0; i < 5; i++) transport.hear(voicedFrame());
  stt.last.say(words);
  return { transport, stt, llm, tts, session, toolEvents };
}

const call = (id: string, name: string, args: string) => ({ type: 'toolCall', call: { id, name, arguments: args } }) as const;

describe('tools in a call', () => {
  it('validates, runs, feeds back a tool result and speaks the follow-up', async () => {
    const seen: unknown[] = [];
    const { llm, tts, toolEvents } = await talk(
      [
        [{ type: 'text', text: 'Let me check' }, call('c1', 'get_weather', '{"city":"Paris"}')],
        [{ type: 'text', text: 'It is sunny in Paris.' }],
      ],
      { tools: [weather(seen)] },
    );
    await until(() => tts.requests.length === 2);
    expect(tts.requests.map((r) => r.text)).toEqual(['Let me check', 'It is sunny in Paris.']);
    expect(seen).toEqual([{ city: 'Paris', callId: 'CA123' }]);
    expect(toolEvents).toEqual([{ name: 'get_weather' }]);
    expect(llm.requests[1]?.messages).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Let me check', toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
      { role: 'tool', toolCallId: 'c1', name: 'get_weather', content: '{"city":"Paris","sky":"sunny"}' },
    ]);
  });

  it('runs parallel tool calls and returns every result', async () => {
    const seen: unknown[] = [];
    const { llm, tts } = await talk(
      [
        [call('a', 'get_weather', '{"city":"Rome"}'), call('b', 'get_weather', '{"city":"Oslo"}')],
        [{ type: 'text', text: 'Both sunny.' }],
      ],
      { tools: [weather(seen)] },
    );
    await until(() => tts.requests.length === 1);
    expect(seen).toHaveLength(2);
    expect(llm.requests[1]?.messages.filter((m) => m.role === 'tool').map((m) => (m as { toolCallId: string }).toolCallId)).toEqual(['a', 'b']);
  });

  it('sends a validation error back to the model instead of calling the tool', async () => {
    const seen: unknown[] = [];
    const { llm, tts, toolEvents } = await talk(
      [[call('c1', 'get_weather', '{"city":5}')], [{ type: 'text', text: 'Which city?' }]],
      { tools: [weather(seen)] },
    );
    await until(() => tts.requests.length === 1);
    expect(seen).toEqual([]);
    const result = llm.requests[1]?.messages.at(-1) as { role: string; content: string };
    expect(result.role).toBe('tool');
    expect(JSON.parse(result.content).error).toMatch(/^invalid arguments: city: /);
    expect(toolEvents[0]?.error).toMatch(/invalid arguments/);
  });

  it('transfer_call reaches the carrier when the number is allowed, after the agent finished speaking', async () => {
    const { transport, session } = await talk(
      [[{ type: 'text', text: 'Transferring you now.' }, call('t', 'transfer_call', '{"number":"+1 555 000 9999"}')]],
      { transferAllowlist: ['+1555*'] },
    );
    await until(() => transport.count('mark') === 1);
    await settle();
    expect(transport.count('transfer')).toBe(0);
    transport.playAll();
    const summary = await session.ended;
    expect(transport.commands.filter((c) => c.type === 'transfer')).toEqual([{ type: 'transfer', to: '+1 555 000 9999' }]);
    expect(summary.reason).toBe('transfer');
  });

  it('a refused transfer is reported to the model and the call goes on', async () => {
    const { transport, llm, tts, session } = await talk(
      [[call('t', 'transfer_call', '{"number":"+19005550000"}')], [{ type: 'text', text: 'I cannot transfer you there.' }]],
      { transferAllowlist: ['+1555*'] },
    );
    await until(() => tts.requests.length === 1);
    expect(transport.count('transfer')).toBe(0);
    const result = llm.requests[1]?.messages.at(-1) as { content: string };
    expect(JSON.parse(result.content).error).toMatch(/not allowed/);
    expect(session.control.ended).toBe(false);
    await session.end('agent_hangup');
  });

  it('end_call lets the goodbye finish playing before it hangs up', async () => {
    const { transport, session } = await talk([[{ type: 'text', text: 'Goodbye' }, call('e', 'end_call', '{}')]], {});
    await until(() => transport.count('mark') === 1);
    await settle();
    expect(transport.count('hangup')).toBe(0);
    transport.playAll();
    const summary = await session.ended;
    expect(transport.count('hangup')).toBe(1);
    expect(summary.reason).toBe('agent_hangup');
    expect(summary.transcript.at(-1)).toMatchObject({ role: 'assistant', text: 'Goodbye' });
  });

  it('tools receive the call control and can hang up themselves', async () => {
    let control: CallControl | undefined;
    const { transport, session } = await talk(
      [[call('x', 'done', '{}')]],
      {
        tools: [
          defineTool({
            name: 'done',
            description: 'finish',
            parameters: { type: 'object' },
            handler: async (_args, ctx) => {
              control = ctx.call;
              await ctx.call.hangup({ immediate: true, reason: 'tool_done' });
            },
          }),
        ],
      },
    );
    const summary = await session.ended;
    expect(control?.callRef).toBe('ref-1');
    expect(summary.reason).toBe('tool_done');
    expect(transport.count('hangup')).toBe(1);
  });
});
