import type { ToolCallRequest } from '../llm/chat-message.js';
import type { LLMProvider } from '../llm/llm-provider.js';
import type { ReplyEvent, ReplyHooks, ReplySource, UserTurn } from './reply-source.js';
import type { SessionContext } from './session-context.js';

/** Tool rounds per user turn before the model is told to answer without tools. */
const MAX_TOOL_ROUNDS = 8;

/**
 * The LLM as reply source: streams text, collects the tool calls of a round, runs them in
 * parallel, records the round in the history and asks the model again until it answers
 * without tools (or the call ended).
 */
export function createLLMReplySource(llm: LLMProvider, context: SessionContext): ReplySource {
  context.usage.setModel(llm.key, llm.model);
  return {
    async *reply(_turn: UserTurn, signal: AbortSignal, hooks: ReplyHooks = {}): AsyncGenerator<ReplyEvent> {
      let firstToken = true;
      for (let round = 0; round <= MAX_TOOL_ROUNDS; round++) {
        const withTools = round < MAX_TOOL_ROUNDS && context.tools.specs.length > 0;
        hooks.onRequest?.();
        const stream = llm.chat(context.history.messages(), {
          ...(withTools ? { tools: context.tools.specs } : {}),
          signal,
          logger: context.logger,
          callId: context.callId(),
        });
        let text = '';
        const calls: ToolCallRequest[] = [];
        for await (const delta of stream) {
          if (signal.aborted) return;
          if (delta.type === 'text') {
            if (delta.text === '') continue;
            if (firstToken) {
              firstToken = false;
              hooks.onFirstToken?.();
            }
            text += delta.text;
            yield { type: 'text', text: delta.text };
          } else if (delta.type === 'toolCall') {
            calls.push(delta.call);
          } else if (delta.type === 'usage') {
            context.usage.add(llm.key, 'inputTokens', delta.usage.inputTokens);
            context.usage.add(llm.key, 'outputTokens', delta.usage.outputTokens);
            context.usage.add(llm.key, 'cachedInputTokens', delta.usage.cachedInputTokens ?? 0);
            hooks.onUsage?.(delta.usage);
          }
        }
        if (signal.aborted || calls.length === 0) return;
        yield { type: 'tools', calls };
        context.history.addAssistant(text, calls);
        const outcomes = await context.tools.runAll(calls, context.toolContext(signal));
        for (const outcome of outcomes) {
          context.history.addToolResult(outcome.id, outcome.name, outcome.content);
          context.events.emit('toolCall', {
            name: outcome.name,
            arguments: outcome.arguments,
            ...(outcome.error === undefined ? { result: outcome.result } : { error: outcome.error }),
          });
        }
        if (signal.aborted || context.control.ended) return;
      }
    },
  };
}
