import type { MessageHandler } from '../../agent/agent-options.js';
import { ToolCallError } from '../../tools/tool-call-error.js';
import type { ReplyEvent, ReplyHooks, ReplySource, UserTurn } from './reply-source.js';
import type { SessionContext } from '../session-context.js';

let toolCallSeq = 0;

/** `MessageContext.runTool`: the agent's tool runner, with the call's events. */
async function runTool(context: SessionContext, name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<unknown> {
  const outcome = await context.tools.run(
    { id: `onmessage-${++toolCallSeq}`, name, arguments: JSON.stringify(args ?? {}) },
    context.toolContext(signal),
  );
  context.events.emit('toolCall', {
    name: outcome.name,
    arguments: outcome.arguments,
    ...(outcome.error === undefined ? { result: outcome.result } : { error: outcome.error }),
    ...(outcome.durationMs === undefined ? {} : { durationMs: outcome.durationMs }),
  });
  if (outcome.error !== undefined) throw new ToolCallError(name, outcome.error);
  return outcome.result;
}

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
        history: context.conversation.messages(),
        call: context.control,
        variables: context.variables,
        signal,
        runTool: (name, args) => runTool(context, name, args, signal),
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
