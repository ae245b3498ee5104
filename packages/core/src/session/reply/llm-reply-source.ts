import { StreamIdleTimeoutError } from '../../errors/stream-idle-timeout-error.js';
import type { ToolCallRequest } from '../../llm/chat-message.js';
import type { LLMProvider } from '../../llm/llm-provider.js';
import type { ReplyEvent, ReplyHooks, ReplySource, UserTurn } from './reply-source.js';
import { LLMRequestRecord } from './llm-request-record.js';
import type { SessionContext } from '../session-context.js';

/** Tool rounds per user turn before the model is told to answer without tools. */
const MAX_TOOL_ROUNDS = 8;

/**
 * The LLM as reply source: streams text, collects the tool calls of a round, runs them in
 * parallel, records the round in the history and asks the model again until it answers
 * without tools (or the call ended). A stream that stalls (`StreamIdleTimeoutError`) before
 * any of the round's text or tool calls is requested once more; after text, or when the retry
 * stalls too, the reply ends with what was said (the sentence in progress is still spoken).
 */
export function createLLMReplySource(llm: LLMProvider, context: SessionContext): ReplySource {
  context.usage.setModel(llm.key, llm.model);
  return {
    async *reply(_turn: UserTurn, signal: AbortSignal, hooks: ReplyHooks = {}): AsyncGenerator<ReplyEvent> {
      let firstToken = true;
      for (let round = 0; round <= MAX_TOOL_ROUNDS; round++) {
        const withTools = round < MAX_TOOL_ROUNDS && context.tools.specs.length > 0;
        hooks.onRequest?.();
        let text = '';
        const calls: ToolCallRequest[] = [];
        for (let attempt = 0; ; attempt++) {
          const request = new LLMRequestRecord(llm.key, hooks.onRequestEnd, signal);
          const stream = llm.chat(context.conversation.messages(), {
            ...(withTools ? { tools: context.tools.specs } : {}),
            signal,
            logger: context.logger,
            callId: context.callId(),
            onRequestId: request.onRequestId,
          });
          try {
            for await (const delta of stream) {
              if (signal.aborted) return;
              request.delta(delta);
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
            request.outcome = 'ok';
            break;
          } catch (err) {
            if (!signal.aborted) request.outcome = 'error';
            if (signal.aborted || !StreamIdleTimeoutError.isStall(err)) throw err;
            if (attempt === 0 && text === '' && calls.length === 0) {
              context.logger.warn({ err, provider: llm.key, callId: context.callId() }, 'llm stream stalled; requesting the reply again');
              continue;
            }
            context.logger.warn({ err, provider: llm.key, callId: context.callId() }, 'llm stream stalled; ending the reply with what was said');
            return;
          } finally {
            request.end();
          }
        }
        if (signal.aborted || calls.length === 0) return;
        yield { type: 'tools', calls };
        context.conversation.addToolRequest(text, calls);
        const outcomes = await context.tools.runAll(calls, context.toolContext(signal));
        for (const outcome of outcomes) {
          context.conversation.addToolResult(outcome.id, outcome.name, outcome.content);
          context.events.emit('toolCall', {
            name: outcome.name,
            arguments: outcome.arguments,
            ...(outcome.error === undefined ? { result: outcome.result } : { error: outcome.error }),
            ...(outcome.durationMs === undefined ? {} : { durationMs: outcome.durationMs }),
          });
        }
        if (signal.aborted || context.control.ended) return;
      }
    },
  };
}
