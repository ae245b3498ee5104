import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../llm/chat-message.js';
import { engineHistory } from './engine-history.js';

describe('engineHistory', () => {
  it('keeps the user and assistant text turns in order, leaving out tool calls without text and tool results', () => {
    const turns: ChatMessage[] = [
      { role: 'user', content: 'Book Friday at eight.' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'book_table', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'c1', name: 'book_table', content: '{"ref":"B-7"}' },
      { role: 'assistant', content: 'Booked, reference B-7.' },
      { role: 'user', content: '  ' },
    ];
    expect(engineHistory(turns)).toEqual([
      { role: 'user', text: 'Book Friday at eight.' },
      { role: 'assistant', text: 'Booked, reference B-7.' },
    ]);
  });
});
