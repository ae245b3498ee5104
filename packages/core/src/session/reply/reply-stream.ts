import { applyGuardrails } from './output-guardrail.js';
import type { ReplyHooks, ReplySource, UserTurn } from './reply-source.js';
import { SentenceChunker } from './sentence-chunker.js';
import { speakableText } from './speakable-text.js';
import type { SessionContext } from '../session-context.js';

/** Where the sentences of a reply go (the voice, or the terminal in test mode). */
export interface ReplySink {
  /** A sentence that passed the guardrails, in order. */
  sentence(text: string): void;
  /** A tool round starts: everything before it was delivered; a new round follows. */
  toolRound?(): void;
}

export interface ReplyStreamHooks extends ReplyHooks {
  /** The first speakable chunk is complete (before guardrails). */
  readonly onFirstSentence?: () => void;
}

/**
 * Runs one reply: streams the source's text through the sentence chunker, Markdown removal
 * and the agent's guardrails into `sink`, flushing the chunker before each tool round (whose text is logged to
 * the call transcript then). Resolves with the sentences delivered in the last round (the
 * consumer commits them to the history and transcript); stops quietly when `signal` aborts.
 */
export async function streamReply(
  context: SessionContext,
  source: ReplySource,
  turn: UserTurn,
  signal: AbortSignal,
  sink: ReplySink,
  hooks: ReplyStreamHooks = {},
): Promise<string[]> {
  const chunker = new SentenceChunker();
  const guardrails = context.agent.guardrails ?? [];
  let round: string[] = [];
  let firstSentence = true;
  const deliver = async (chunk: string): Promise<void> => {
    const text = speakableText(chunk);
    if (text === '') return;
    if (firstSentence) {
      firstSentence = false;
      hooks.onFirstSentence?.();
    }
    // No await on the hot path when there are no guardrails.
    const checked =
      guardrails.length === 0
        ? text
        : await applyGuardrails(guardrails, text, { call: context.control, replySoFar: round.join(' '), signal }, context.logger);
    if (checked === null || signal.aborted) return;
    round.push(checked);
    sink.sentence(checked);
  };
  for await (const event of source.reply(turn, signal, hooks)) {
    if (signal.aborted) break;
    if (event.type === 'text') {
      for (const sentence of chunker.push(event.text)) await deliver(sentence);
    } else {
      const rest = chunker.flush();
      if (rest !== undefined) await deliver(rest);
      chunker.reset();
      // The round's text goes into the history with its tool calls; log it now too, since a
      // tool (end_call, transfer_call) may end the call before the reply finishes.
      if (round.length > 0) context.conversation.logAgent(round.join(' '));
      sink.toolRound?.();
      round = [];
    }
  }
  if (!signal.aborted) {
    const rest = chunker.flush();
    if (rest !== undefined) await deliver(rest);
  }
  return round;
}
