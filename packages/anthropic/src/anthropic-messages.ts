import type { ChatMessage, ToolSpec } from '@patter/core';

type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; content: string };

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: string | Block[];
}

/**
 * The user turn put before a conversation that opens with the agent (its first message): the
 * Messages API requires the first message to be the user's.
 */
export const CALL_STARTED_TURN = '(The call has started.)';

/**
 * Core chat history → Messages API request parts: system messages are split out into `system`
 * (joined in order); tool results become `tool_result` blocks in a user turn; an assistant
 * turn's tool calls become `tool_use` blocks; consecutive turns of one role are merged (parallel
 * tool results go back in one user message); a conversation that opens with the agent (its
 * first message) gets `CALL_STARTED_TURN` before it, since the API requires a user turn first.
 */
export function toAnthropicMessages(history: readonly ChatMessage[]): { system: string | undefined; messages: AnthropicMessage[] } {
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  const push = (role: AnthropicMessage['role'], blocks: Block[]) => {
    const last = messages.at(-1);
    if (!last || last.role !== role) {
      messages.push({ role, content: blocks.length === 1 && blocks[0]?.type === 'text' ? blocks[0].text : blocks });
      return;
    }
    last.content = [...(typeof last.content === 'string' ? [{ type: 'text' as const, text: last.content }] : last.content), ...blocks];
  };
  for (const m of history) {
    switch (m.role) {
      case 'system':
        system.push(m.content);
        break;
      case 'user':
        push('user', [{ type: 'text', text: m.content }]);
        break;
      case 'tool':
        push('user', [{ type: 'tool_result', tool_use_id: m.toolCallId, content: m.content }]);
        break;
      case 'assistant':
        push('assistant', [
          ...(m.content === '' ? [] : [{ type: 'text' as const, text: m.content }]),
          ...(m.toolCalls ?? []).map((c) => ({ type: 'tool_use' as const, id: c.id, name: c.name, input: parseInput(c.arguments) })),
        ]);
        break;
    }
  }
  if (messages[0]?.role === 'assistant') messages.unshift({ role: 'user', content: CALL_STARTED_TURN });
  return { system: system.length ? system.join('\n\n') : undefined, messages };
}

/** Core tool specs → Messages API `tools` (`input_schema`). */
export function toAnthropicTools(tools: readonly ToolSpec[]): Record<string, unknown>[] {
  return tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters }));
}

function parseInput(json: string): unknown {
  try {
    const value: unknown = JSON.parse(json || '{}');
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    return {};
  }
}
