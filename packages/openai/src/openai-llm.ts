import {
  ConfigError,
  type ChatMessage,
  type LLMChatOptions,
  type LLMDelta,
  type LLMProvider,
} from '@patter/core';
import {
  joinUrl,
  normalizeBaseUrl,
  resolveApiKey,
  streamLLMRequest,
  warmUpHttp,
} from '@patter/core/plugin';
import { toOpenAIMessages, toOpenAITools } from './openai-llm-messages.js';
import { readChatStream } from './openai-llm-stream.js';

export interface OpenAILLMOptions {
  /**
   * API key. Against OpenAI (the default `baseUrl`) it falls back to `OPENAI_API_KEY` and is
   * required. Against another `baseUrl` it is never taken from `OPENAI_API_KEY` (that key must
   * not leak to a third party): pass it, or name its variable in `apiKeyEnv`; without one no
   * `Authorization` header is sent (local Ollama, vLLM).
   */
  readonly apiKey?: string;
  /** Environment variable holding the key for a non-OpenAI `baseUrl` (`GROQ_API_KEY` …); then required. */
  readonly apiKeyEnv?: string;
  /** Default `gpt-4o-mini`. */
  readonly model?: 'gpt-4o-mini' | 'gpt-4o' | 'gpt-4.1-mini' | 'gpt-4.1' | (string & {});
  /**
   * Default `https://api.openai.com/v1`. Any OpenAI-compatible server: Groq `https://api.groq.com/openai/v1`,
   * Cerebras `https://api.cerebras.ai/v1`, Together `https://api.together.xyz/v1`, Ollama
   * `http://localhost:11434/v1`, vLLM `http://localhost:8000/v1`.
   */
  readonly baseUrl?: string;
  /** 0–2. Unset: the server's default. */
  readonly temperature?: number;
  /** Cap on generated tokens. Sent as `max_completion_tokens` to OpenAI, `max_tokens` elsewhere (see `maxTokensField`). */
  readonly maxTokens?: number;
  readonly maxTokensField?: 'max_completion_tokens' | 'max_tokens';
  /** Mark tools `strict: true` (structured outputs; the schema must forbid extra properties). Default false. */
  readonly strictTools?: boolean;
  /** Ask for the usage chunk (`stream_options.include_usage`). Default true; turn off for servers that reject it. */
  readonly includeUsage?: boolean;
  /** Retries of a request that failed before its first token (429, 5xx, network). Default 2. */
  readonly maxRetries?: number;
  /** Time to the response headers. Default: `idleTimeoutMs` (a stall, retried once by the call session), or 30 s when that is 0. */
  readonly timeoutMs?: number;
  /** Longest silence of the response stream (before its first byte and between two), then the request is aborted. Default 10 s; 0 disables. */
  readonly idleTimeoutMs?: number;
  /** Extra headers (an org or project id, a gateway's own auth). */
  readonly headers?: Record<string, string>;
}

export const DEFAULTS = {
  model: 'gpt-4o-mini',
  baseUrl: 'https://api.openai.com/v1',
  includeUsage: true,
  maxRetries: 2,
} as const;

const KEY = 'openai';

/**
 * Chat Completions LLM, streaming text and tool calls, for OpenAI and every OpenAI-compatible
 * server. Tool-call fragments are assembled by index and yielded whole; usage arrives from
 * the final chunk. A request that fails before its first token is retried (429/5xx, honouring
 * `retry-after`); aborting closes the HTTP request at once and ends the stream quietly.
 *
 * @example
 * ```ts
 * import * as openai from '@patter/openai';
 * phone.agent({ stt, llm: openai.LLM({ model: 'gpt-4o-mini' }), tts });
 * const groq = openai.LLM({ baseUrl: 'https://api.groq.com/openai/v1', apiKeyEnv: 'GROQ_API_KEY', model: 'llama-3.3-70b-versatile' });
 * ```
 */
export class OpenAILLM implements LLMProvider {
  readonly key = KEY;
  readonly model: string;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly apiKeyEnv: string | undefined;
  private readonly isOpenAI: boolean;

  constructor(private readonly options: OpenAILLMOptions = {}) {
    this.model = options.model ?? DEFAULTS.model;
    this.baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl);
    this.isOpenAI = new URL(this.baseUrl).hostname === 'api.openai.com';
    this.apiKeyEnv = options.apiKeyEnv ?? (this.isOpenAI ? 'OPENAI_API_KEY' : undefined);
    const apiKey = this.apiKeyEnv ? resolveApiKey(options.apiKey, this.apiKeyEnv) : options.apiKey;
    this.headers = { ...options.headers, ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) };
    const t = options.temperature;
    if (t !== undefined && !(t >= 0 && t <= 2)) throw new ConfigError('temperature', `must be between 0 and 2, got ${t}`);
    const max = options.maxTokens;
    if (max !== undefined && !(Number.isInteger(max) && max > 0)) throw new ConfigError('maxTokens', `must be a positive integer, got ${max}`);
    const idle = options.idleTimeoutMs;
    if (idle !== undefined && !(idle >= 0)) throw new ConfigError('idleTimeoutMs', `must be zero (off) or a positive number of ms, got ${idle}`);
  }

  chat(messages: readonly ChatMessage[], options: LLMChatOptions = {}): AsyncGenerator<LLMDelta> {
    return streamLLMRequest({
      provider: KEY,
      url: joinUrl(this.baseUrl, '/chat/completions'),
      headers: this.headers,
      body: this.requestBody(messages, options),
      read: (body, logger) => readChatStream(body, KEY, logger),
      signal: options.signal,
      logger: options.logger,
      callId: options.callId,
      apiKeyEnv: this.apiKeyEnv,
      maxRetries: this.options.maxRetries ?? DEFAULTS.maxRetries,
      timeoutMs: this.options.timeoutMs,
      idleTimeoutMs: this.options.idleTimeoutMs,
      // The vendor's id of the request (its API reference: every response carries it).
      requestIdHeader: 'x-request-id',
      onRequestId: options.onRequestId,
      shouldRetry: (err) => !String(err.body).includes('insufficient_quota'),
    });
  }

  async warmup(): Promise<void> {
    await warmUpHttp(joinUrl(this.baseUrl, '/models'), { provider: KEY, headers: this.headers });
  }

  /** The JSON body of one chat request (exposed for tests and logging). */
  requestBody(messages: readonly ChatMessage[], options: Pick<LLMChatOptions, 'tools'> = {}): Record<string, unknown> {
    const o = this.options;
    const tools = options.tools ?? [];
    const maxTokensField = o.maxTokensField ?? (this.isOpenAI ? 'max_completion_tokens' : 'max_tokens');
    return {
      model: this.model,
      messages: toOpenAIMessages(messages),
      ...(tools.length ? { tools: toOpenAITools(tools, o.strictTools ?? false), tool_choice: 'auto' } : {}),
      stream: true,
      ...((o.includeUsage ?? DEFAULTS.includeUsage) ? { stream_options: { include_usage: true } } : {}),
      ...(o.temperature === undefined ? {} : { temperature: o.temperature }),
      ...(o.maxTokens === undefined ? {} : { [maxTokensField]: o.maxTokens }),
    };
  }
}
