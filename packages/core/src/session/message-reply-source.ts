import type { MessageHandler } from '../agent/agent-options.js';
import type { ReplyEvent, ReplyHooks, ReplySource, UserTurn } from './reply-source.js';
import type { SessionContext } from './session-context.js';

/**
 * The user's `onMessage` function as reply source: it gets the turn, the history and the
 * call, and returns the reply whole or streams it (chunked to TTS like LLM output).
 */
export function createMessageReplySource(handler: MessageHandler, context: SessionContext): ReplySource {
  return {
    async *reply(turn: UserTurn, signal: AbortSignal, hooks: ReplyHooks = {}): AsyncGenerator<ReplyEvent> {
      hooks.onRequest?.();
      const result = await handler({
        text: turn.text,
        source: turn.source,
        history: context.history.messages(),
        call: context.control,
        variables: context.variables,
        signal,
      });
      if (signal.aborted) return;
      if (typeof result === 'string') {
        if (result === '') return;
        hooks.onFirstToken?.();
        yield { type: 'text', text: result };
        return;
      }
      let first = true;
      for await (const chunk of result) {
        if (signal.aborted) return;
        if (typeof chunk !== 'string' || chunk === '') continue;
        if (first) {
          first = false;
          hooks.onFirstToken?.();
        }
        yield { type: 'text', text: chunk };
      }
    },
  };
}
