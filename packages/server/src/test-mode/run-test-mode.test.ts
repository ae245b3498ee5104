import { PassThrough } from 'node:stream';
import { defineTool, type AgentOptions, type ChatMessage, type LLMDelta, type LLMProvider } from '@patter/core';
import { describe, expect, it } from 'vitest';
import { runTestMode } from './run-test-mode.js';

/** A scripted LLM: each request gets the next reply; records what it was sent. */
function scriptedLLM(replies: LLMDelta[][]): LLMProvider & { seen: ChatMessage[][] } {
  const seen: ChatMessage[][] = [];
  return {
    key: 'script',
    model: 'script-1',
    seen,
    chat(messages) {
      seen.push(messages.map((m) => ({ ...m })));
      const reply = replies.shift();
      if (!reply) throw new TypeError('unexpected LLM request');
      return (async function* () {
        yield* reply;
      })();
    },
  };
}

/** Drives the REPL: writes lines to its stdin as it asks, collects stdout. */
async function drive(agent: AgentOptions, lines: string[]) {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const done = runTestMode({ agent, input, output });
  for (const line of lines) input.write(`${line}\n`);
  input.end();
  const summary = await done;
  return { text, summary };
}

const weather = defineTool<{ city: string }>({
  name: 'get_weather',
  description: 'Weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  handler: ({ city }) => ({ city, sky: 'sunny' }),
});

describe('test mode REPL', () => {
  it('greets, answers, shows tool calls as they happen, prints the history, quits', async () => {
    const llm = scriptedLLM([
      [{ type: 'toolCall', call: { id: 't1', name: 'get_weather', arguments: '{"city":"Rome"}' } }],
      [{ type: 'text', text: 'It is sunny in Rome. ' }, { type: 'text', text: 'Anything else?' }],
    ]);
    const { text, summary } = await drive(
      { llm, systemPrompt: 'Weather bot for {town}.', firstMessage: 'Hello from {town}!', variables: { town: 'Rome' }, tools: [weather] },
      ['What is the weather?', '/history', '/quit', 'never read'],
    );
    const lines = text.trim().split('\n');
    expect(lines).toEqual([
      'Type to talk to the agent. Commands: /history, /transfer <number>, /hangup, /quit',
      'agent> Hello from Rome!',
      '  [tool] get_weather({"city":"Rome"}) → {"city":"Rome","sky":"sunny"}',
      'agent> It is sunny in Rome. Anything else?',
      'system: Weather bot for Rome.',
      'assistant: Hello from Rome!',
      'user: What is the weather?',
      'assistant:  [calls get_weather({"city":"Rome"})]',
      'tool get_weather: {"city":"Rome","sky":"sunny"}',
      'assistant: It is sunny in Rome. Anything else?',
      '[call ended: caller_hangup]',
    ]);
    expect(summary.reason).toBe('caller_hangup');
    expect(llm.seen).toHaveLength(2);
  });

  it('prints what the agent said before a tool call before the tool line, and exits when the agent hangs up', async () => {
    const llm = scriptedLLM([
      [{ type: 'text', text: 'Let me check. ' }, { type: 'toolCall', call: { id: 't1', name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
      [{ type: 'text', text: 'Sunny, goodbye!' }, { type: 'toolCall', call: { id: 'e', name: 'end_call', arguments: '{}' } }],
    ]);
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const done = runTestMode({ agent: { llm, tools: [weather] }, input, output });
    input.write('Weather in Oslo?\n'); // the input stays open, like a terminal
    const summary = await done;
    expect(summary.reason).toBe('agent_hangup');
    expect(text.trim().split('\n').slice(1)).toEqual([
      'agent> Let me check.',
      '  [tool] get_weather({"city":"Oslo"}) → {"city":"Oslo","sky":"sunny"}',
      'agent> Sunny, goodbye!',
      '  [tool] end_call({}) → {"ended":true}',
      '[call ended: agent_hangup]',
    ]);
    input.end();
  });

  it('/transfer checks the allowlist: refused stays in the call, allowed ends it', async () => {
    const { text, summary } = await drive({ onMessage: () => 'ok', transferAllowlist: ['+1555*'] }, [
      '/transfer +19005550100',
      '/transfer +15550001234',
      'not reached',
    ]);
    expect(text).toContain('[transfer to +1900***0100 refused: transfer to +1900***0100 is not allowed]');
    expect(text).toContain('[transferring to +15550001234]');
    expect(text).not.toContain('agent> ok');
    expect(summary.reason).toBe('transfer');
  });

  it('the agent can end the call with end_call; onMessage replies; /hangup and end of input end it too', async () => {
    const llm = scriptedLLM([[{ type: 'text', text: 'Goodbye!' }, { type: 'toolCall', call: { id: 'e', name: 'end_call', arguments: '{}' } }]]);
    const ended = await drive({ llm }, ['bye', 'still there?']);
    expect(ended.text).toContain('  [tool] end_call({}) → {"ended":true}');
    expect(ended.text).toContain('agent> Goodbye!');
    expect(ended.text).not.toContain('still there');
    expect(ended.summary.reason).toBe('agent_hangup');

    const echo = await drive({ onMessage: (ctx) => `You said ${ctx.text} (${ctx.source}).` }, ['hi', '/hangup']);
    expect(echo.text).toContain('agent> You said hi (text).');
    expect(echo.summary.reason).toBe('caller_hangup');

    const eof = await drive({ onMessage: () => 'ok' }, ['hi']);
    expect(eof.text).toContain('agent> ok');
    expect(eof.summary.reason).toBe('caller_hangup');
  });
});
