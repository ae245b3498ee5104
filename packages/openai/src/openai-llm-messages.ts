import type { ChatMessage, ToolSpec } from '@patter/core';

/** A Chat Completions message, as sent. */
export type OpenAIChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[] }
  | { role: 'tool'; tool_call_id: string; content: string };

/** Core chat history → Chat Completions `messages` (an assistant turn with only tool calls has `content: null`). */
export function toOpenAIMessages(messages: readonly ChatMessage[]): OpenAIChatMessage[] {
  return messages.map((m): OpenAIChatMessage => {
    switch (m.role) {
      case 'system':
      case 'user':
        return { role: m.role, content: m.content };
      case 'tool':
        return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
      case 'assistant': {
        const calls = m.toolCalls ?? [];
        if (calls.length === 0) return { role: 'assistant', content: m.content };
        return {
          role: 'assistant',
          content: m.content === '' ? null : m.content,
          tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
        };
      }
    }
  });
}

/** Core tool specs → Chat Completions `tools` (nested under `function`). */
export function toOpenAITools(tools: readonly ToolSpec[], strict: boolean): Record<string, unknown>[] {
  return tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: t.parameters, ...(strict ? { strict: true } : {}) },
  }));
}
