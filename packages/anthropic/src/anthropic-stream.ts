import { ProviderConnectionError, ProviderError, type LLMDelta, type Logger } from '@patter/core';
import { readSSE, typedBody } from '@patter/core/plugin';

interface Usage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

interface StreamEvent {
  type?: string;
  index?: number;
  message?: { usage?: Usage };
  content_block?: { type?: string; id?: string; name?: string };
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string | null };
  usage?: Usage;
  error?: { type?: string; message?: string };
}

/** Anthropic error types worth another try (the same request may succeed). */
const RETRYABLE_ERRORS = new Set(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error']);

/**
 * Reads a Messages API event stream into `LLMDelta`s: `text_delta`s as text; a `tool_use` block's
 * `input_json_delta`s concatenated and yielded whole at its `content_block_stop`; usage (input
 * from `message_start`, output from the cumulative `message_delta`) and `done` at `message_stop`.
 * Malformed events are logged and skipped; an `error` event throws a `ProviderError`; a body that
 * ends before `message_stop` throws a retryable `ProviderConnectionError`.
 */
export async function* readMessagesStream(body: AsyncIterable<Uint8Array>, provider: string, logger: Logger): AsyncGenerator<LLMDelta> {
  const tools = new Map<number, { id: string; name: string; json: string }>();
  let input: Usage = {};
  let output = 0;
  let stopReason = 'end_turn';
  for await (const { data } of readSSE(typedBody(body, provider))) {
    let event: StreamEvent;
    try {
      event = JSON.parse(data) as StreamEvent;
    } catch {
      logger.warn({ provider, bytes: data.length }, 'malformed message event skipped');
      continue;
    }
    switch (event.type) {
      case 'message_start':
        input = event.message?.usage ?? {};
        output = input.output_tokens ?? 0;
        break;
      case 'content_block_start':
        if (event.content_block?.type === 'tool_use') {
          tools.set(event.index ?? 0, { id: event.content_block.id ?? '', name: event.content_block.name ?? '', json: '' });
        }
        break;
      case 'content_block_delta': {
        const delta = event.delta;
        if (delta?.type === 'text_delta' && delta.text) yield { type: 'text', text: delta.text };
        else if (delta?.type === 'input_json_delta') {
          const tool = tools.get(event.index ?? 0);
          if (tool) tool.json += delta.partial_json ?? '';
        }
        break;
      }
      case 'content_block_stop': {
        const tool = tools.get(event.index ?? 0);
        if (tool) {
          tools.delete(event.index ?? 0);
          yield { type: 'toolCall', call: { id: tool.id, name: tool.name, arguments: tool.json || '{}' } };
        }
        break;
      }
      case 'message_delta':
        if (event.delta?.stop_reason) stopReason = event.delta.stop_reason;
        if (event.usage?.output_tokens !== undefined) output = event.usage.output_tokens;
        break;
      case 'message_stop': {
        const cached = input.cache_read_input_tokens ?? 0;
        yield {
          type: 'usage',
          usage: {
            inputTokens: (input.input_tokens ?? 0) + cached + (input.cache_creation_input_tokens ?? 0),
            outputTokens: output,
            cachedInputTokens: cached,
          },
        };
        yield { type: 'done', finishReason: stopReason };
        return;
      }
      case 'error': {
        const type = event.error?.type ?? 'unknown_error';
        throw new ProviderError(provider, `error in stream: ${type}`, { retryable: RETRYABLE_ERRORS.has(type), body: event.error });
      }
      default:
        break; // ping, and event types added later
    }
  }
  throw new ProviderConnectionError(provider, 'message stream ended before message_stop');
}
