import { ProviderConnectionError, ProviderError, readSSE, typedBody, type LLMDelta, type Logger } from '@patter/core';

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
 * `done` at `[DONE]` (or at the end of a body that carried a finish reason). Malformed lines are
 * logged and skipped; an `error` payload or a body cut before any finish throws a `ProviderError`.
 */
export async function* readChatStream(body: AsyncIterable<Uint8Array>, provider: string, logger: Logger): AsyncGenerator<LLMDelta> {
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  let finishReason: string | undefined;
  for await (const { data } of readSSE(typedBody(body, provider))) {
    if (data === '[DONE]') break;
    let chunk: ChatChunk;
    try {
      chunk = JSON.parse(data) as ChatChunk;
    } catch {
      logger.warn({ provider, bytes: data.length }, 'malformed chat chunk skipped');
      continue;
    }
    if (chunk.error) {
      throw new ProviderError(provider, 'error in stream', { retryable: chunk.error.type === 'server_error', body: chunk.error });
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
      for (const index of [...calls.keys()].sort((a, b) => a - b)) {
        const call = calls.get(index) as { id: string; name: string; arguments: string };
        yield { type: 'toolCall', call: { ...call, arguments: call.arguments || '{}' } };
      }
      calls.clear();
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
  if (finishReason === undefined) throw new ProviderConnectionError(provider, 'chat stream ended before a finish reason');
  yield { type: 'done', finishReason };
}
