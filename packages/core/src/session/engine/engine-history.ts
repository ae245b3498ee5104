import type { EngineTurn } from '../../engine/engine.js';
import type { ChatMessage } from '../../llm/chat-message.js';

/**
 * The call's conversation as the text turns a resumed engine session is given: user and
 * assistant messages in order; tool results and assistant messages without text (a bare tool
 * call) are skipped — the tools' effects stand, and what the agent said about them is in its turns.
 */
export function engineHistory(turns: readonly ChatMessage[]): EngineTurn[] {
  const history: EngineTurn[] = [];
  for (const message of turns) {
    if ((message.role === 'user' || message.role === 'assistant') && message.content.trim() !== '') {
      history.push({ role: message.role, text: message.content });
    }
  }
  return history;
}
