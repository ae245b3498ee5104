import type { ChatMessage, ToolCallRequest } from '../../llm/chat-message.js';

/**
 * One call's conversation as the model sees it: the system prompt, then user, assistant and
 * tool messages. Bounded: past `maxMessages` the oldest turns are dropped (never the system
 * prompt, never a tool result without the assistant message that asked for it).
 */
export class ConversationHistory {
  private readonly items: ChatMessage[] = [];

  constructor(
    private readonly systemPrompt: string | undefined,
    private readonly maxMessages = 200,
  ) {}

  /** The messages to send: system prompt first. A fresh array. */
  messages(): ChatMessage[] {
    return this.systemPrompt ? [{ role: 'system', content: this.systemPrompt }, ...this.items] : [...this.items];
  }

  /** The turns without the system prompt. */
  get turns(): readonly ChatMessage[] {
    return this.items;
  }

  addUser(content: string): void {
    this.push({ role: 'user', content });
  }

  addAssistant(content: string, toolCalls?: readonly ToolCallRequest[]): void {
    if (content === '' && (!toolCalls || toolCalls.length === 0)) return;
    this.push(toolCalls && toolCalls.length > 0 ? { role: 'assistant', content, toolCalls } : { role: 'assistant', content });
  }

  /**
   * Replaces the latest assistant message whose text is `original` (an engine that cut its reply
   * at a barge-in); an empty `corrected` removes it unless it carries tool calls. False when none.
   */
  correctAssistant(original: string, corrected: string): boolean {
    for (let i = this.items.length - 1; i >= 0; i--) {
      const message = this.items[i] as ChatMessage;
      if (message.role !== 'assistant' || message.content !== original) continue;
      if (corrected === '' && !message.toolCalls?.length) this.items.splice(i, 1);
      else this.items[i] = { ...message, content: corrected };
      return true;
    }
    return false;
  }

  addToolResult(toolCallId: string, name: string, content: string): void {
    this.push({ role: 'tool', toolCallId, name, content });
  }

  private push(message: ChatMessage): void {
    this.items.push(message);
    if (this.items.length <= this.maxMessages) return;
    let drop = this.items.length - this.maxMessages;
    while (drop < this.items.length && this.items[drop]?.role === 'tool') drop++;
    this.items.splice(0, drop);
  }
}
