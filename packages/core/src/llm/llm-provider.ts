import type { Logger } from '../log/logger.js';
import type { ChatMessage, ToolCallRequest } from './chat-message.js';

/** A tool as the model sees it: name, description, JSON-schema parameters. */
export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  readonly parameters: Record<string, unknown>;
}

export interface LLMUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedInputTokens?: number;
}

/** What a chat stream yields. Tool calls arrive whole (the provider assembles the fragments). */
export type LLMDelta =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'toolCall'; readonly call: ToolCallRequest }
  | { readonly type: 'usage'; readonly usage: LLMUsage }
  | { readonly type: 'done'; readonly finishReason: string };

export interface LLMChatOptions {
  readonly tools?: readonly ToolSpec[];
  /** Aborting closes the request within one event-loop turn (barge-in). */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  readonly callId?: string;
  /**
   * Called with the vendor's id of this request (a response header such as `x-request-id`),
   * when the vendor gives one: it goes on the request's trace span, for support tickets.
   */
  readonly onRequestId?: (requestId: string) => void;
}

export interface LLMProvider {
  /** Provider key: labels metrics and cost (`openai`, `anthropic` …). */
  readonly key: string;
  readonly model: string;
  chat(messages: readonly ChatMessage[], options?: LLMChatOptions): AsyncIterable<LLMDelta>;
  warmup?(): Promise<void>;
}
