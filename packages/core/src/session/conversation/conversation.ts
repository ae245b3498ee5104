import type { ChatMessage, ToolCallRequest } from '../../llm/chat-message.js';
import type { TypedEmitter } from '../../util/typed-emitter.js';
import type { CallSessionEvents, TranscriptEntry } from '../call-session.js';
import type { UserTurn } from '../reply/reply-source.js';
import { ConversationHistory } from './conversation-history.js';

/**
 * One call's conversation, kept two ways from the same calls: the history the model sees (with
 * tool calls and results; keypad input marked as such) and the transcript the call reports
 * (what each side said, with times). Every mode — pipeline, engine bridge, text — records
 * through it, so they cannot disagree; each committed entry is also a final `transcript` event.
 */
export class Conversation {
  readonly history: ConversationHistory;
  private readonly entries: TranscriptEntry[] = [];

  constructor(
    systemPrompt: string | undefined,
    private readonly events: TypedEmitter<CallSessionEvents>,
  ) {
    this.history = new ConversationHistory(systemPrompt);
  }

  /** The caller's turn. */
  addUser(text: string, source: UserTurn['source'] = 'speech'): void {
    this.history.addUser(source === 'dtmf' ? `[keypad] ${text}` : text);
    this.log('user', text);
  }

  /** What the agent said (or, cut by a barge-in or the call's end, what the caller heard of it). Nothing when empty. */
  addAgent(text: string): void {
    this.history.addAssistant(text);
    this.log('assistant', text);
  }

  /** The model's round that asked for tools: its text and calls for the model; the text was logged when spoken. */
  addToolRequest(text: string, calls: readonly ToolCallRequest[]): void {
    this.history.addAssistant(text, calls);
  }

  addToolResult(toolCallId: string, name: string, content: string): void {
    this.history.addToolResult(toolCallId, name, content);
  }

  /** Words the agent spoke before a tool round (they reach the history with the round's tool calls). */
  logAgent(text: string): void {
    this.log('assistant', text);
  }

  /**
   * An engine cut its reply at a barge-in: the latest agent entry `original` becomes `corrected`
   * (empty removes it) in both. False when the history has no such message.
   */
  correctAgent(original: string, corrected: string): boolean {
    if (!this.history.correctAssistant(original, corrected)) return false;
    const at = this.entries.findLastIndex((t) => t.role === 'assistant' && t.text === original);
    if (at >= 0) {
      if (corrected === '') this.entries.splice(at, 1);
      else this.entries[at] = { ...(this.entries[at] as TranscriptEntry), text: corrected };
    }
    return true;
  }

  /** The messages to send the model: system prompt first. A fresh array. */
  messages(): ChatMessage[] {
    return this.history.messages();
  }

  /** The call's transcript so far. A fresh array. */
  transcript(): TranscriptEntry[] {
    return this.entries.slice();
  }

  private log(role: TranscriptEntry['role'], text: string): void {
    if (text === '') return;
    this.entries.push({ role, text, at: Date.now() });
    this.events.emit('transcript', { role, text, isFinal: true });
  }
}
