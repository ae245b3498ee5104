import type { ToolCallRequest } from '../../llm/chat-message.js';
import type { LLMUsage } from '../../llm/llm-provider.js';
import type { ProviderRequestTiming } from '../call-session.js';

/** The caller's turn, from speech, keypad or typed text. */
export interface UserTurn {
  readonly text: string;
  readonly source: 'speech' | 'dtmf' | 'text';
}

/**
 * What a reply streams: text to speak, and — between model rounds — the tool calls that were
 * made (the consumer flushes its chunker there; the source has already recorded the round's
 * text and the results in the history).
 */
export type ReplyEvent =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tools'; readonly calls: readonly ToolCallRequest[] };

/** Timing and usage callbacks for the turn's metrics. */
export interface ReplyHooks {
  readonly onRequest?: () => void;
  readonly onFirstToken?: () => void;
  readonly onUsage?: (usage: LLMUsage) => void;
  /** Each LLM request, once its stream ended (completed, aborted or failed). */
  readonly onRequestEnd?: (request: ProviderRequestTiming) => void;
}

/**
 * Produces the agent's reply to a turn: the LLM with its tools, or the user's `onMessage`.
 * The user message is already in the history; the final round's text is committed by the
 * consumer (only the part the caller heard, after a barge-in).
 */
export interface ReplySource {
  reply(turn: UserTurn, signal: AbortSignal, hooks?: ReplyHooks): AsyncIterable<ReplyEvent>;
  close?(): Promise<void>;
}
