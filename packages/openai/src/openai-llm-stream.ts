import { ProviderConnectionError, ProviderError, type LLMDelta, type Logger } from '@patter/core';
import { readSSE, typedBody } from '@patter/core/plugin';

interface ToolCallChunk {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

interface ChatChunk {
  choices?: { delta?: { content?: string | null; tool_calls?: ToolCallChunk[] }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } } | null;
  error?: { message?: string; type?: string; code?: string };
}

/**
 * Reads a Chat Completions SSE body into `LLMDelta`s: text as it comes; tool-call fragments
 * concatenated per `index` and yielded whole when the choice finishes; the usage chunk; then
 * `done` at `[DONE]` (or at the end of a body that carried a finish reason). A compatible server
 * that ends with `[DONE]` but no finish reason still gets its tool calls run (`tool_calls`, else
 * `stop`). Malformed lines are logged and skipped; an `error` payload (or an `event: error`) or a
 * body cut before any finish throws a `ProviderError`.
 */
export async function* readChatStream(body: AsyncIterable<Uint8Array>, provider: string, logger: Logger): AsyncGenerator<LLMDelta> {
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  let finishReason: string | undefined;
  let sawDone = false;
  for await (const { event, data } of readSSE(typedBody(body, provider))) {
    if (data === '[DONE]') {
      sawDone = true;
      break;
    }
    let chunk: ChatChunk;
    try {
      chunk = JSON.parse(data) as ChatChunk;
    } catch {
      if (event === 'error') throw new ProviderError(provider, 'error in stream', { retryable: false, body: data.slice(0, 1024) });
      logger.warn({ provider, bytes: data.length }, 'malformed chat chunk skipped');
      continue;
    }
    if (chunk.error || event === 'error') {
      const error = chunk.error ?? (chunk as Record<string, unknown>);
      throw new ProviderError(provider, 'error in stream', { retryable: chunk.error?.type === 'server_error', body: error });
    }
    const choice = chunk.choices?.[0];
    const delta = choice?.delta;
    if (typeof delta?.content === 'string' && delta.content !== '') yield { type: 'text', text: delta.content };
    for (const fragment of delta?.tool_calls ?? []) {
      const index = fragment.index ?? 0;
      const call = calls.get(index) ?? { id: '', name: '', arguments: '' };
      if (fragment.id) call.id = fragment.id;
      if (fragment.function?.name) call.name += fragment.function.name;
      if (fragment.function?.arguments) call.arguments += fragment.function.arguments;
      calls.set(index, call);
    }
    if (choice?.finish_reason) {
      finishReason = choice.finish_reason;
      yield* flushCalls(calls);
    }
    const usage = chunk.usage;
    if (usage) {
      yield {
        type: 'usage',
        usage: {
          inputTokens: usage.prompt_tokens ?? 0,
          outputTokens: usage.completion_tokens ?? 0,
          ...(usage.prompt_tokens_details?.cached_tokens === undefined ? {} : { cachedInputTokens: usage.prompt_tokens_details.cached_tokens }),
        },
      };
    }
  }
  if (finishReason === undefined) {
    if (!sawDone) throw new ProviderConnectionError(provider, 'chat stream ended before a finish reason');
    finishReason = calls.size > 0 ? 'tool_calls' : 'stop';
    yield* flushCalls(calls);
  }
  yield { type: 'done', finishReason };
}

/** The assembled tool calls, in `index` order; empties the map. */
function* flushCalls(calls: Map<number, { id: string; name: string; arguments: string }>): Generator<LLMDelta> {
  for (const index of [...calls.keys()].sort((a, b) => a - b)) {
    const call = calls.get(index) as { id: string; name: string; arguments: string };
    yield { type: 'toolCall', call: { ...call, arguments: call.arguments || '{}' } };
  }
  calls.clear();
}
