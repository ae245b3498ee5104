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
import { toAnthropicMessages, toAnthropicTools } from './anthropic-messages.js';
import { readMessagesStream } from './anthropic-stream.js';

export interface AnthropicLLMOptions {
  /** Default: the `ANTHROPIC_API_KEY` environment variable. */
  readonly apiKey?: string;
  /** Default `claude-haiku-4-5`. */
  readonly model?: 'claude-haiku-4-5' | 'claude-sonnet-4-5' | (string & {});
  /** Default `https://api.anthropic.com` (requests go to `{baseUrl}/v1/messages`). */
  readonly baseUrl?: string;
  /** Required by the API; the reply's token cap. Default 1024. */
  readonly maxTokens?: number;
  /** 0–1. Unset: the API's default. */
  readonly temperature?: number;
  /** `anthropic-version` header. Default `2023-06-01`. */
  readonly apiVersion?: string;
  /** Retries of a request that failed before its first token (429, 5xx/529, network). Default 2. */
  readonly maxRetries?: number;
  /** Time to the response headers. Default: `idleTimeoutMs` (a stall, retried once by the call session), or 30 s when that is 0. */
  readonly timeoutMs?: number;
  /** Longest silence of the response stream (before its first byte and between two), then the request is aborted. Default 10 s; 0 disables. */
  readonly idleTimeoutMs?: number;
  /** Extra headers (`anthropic-beta` …). */
  readonly headers?: Record<string, string>;
}

export const DEFAULTS = {
  model: 'claude-haiku-4-5',
  baseUrl: 'https://api.anthropic.com',
  maxTokens: 1024,
  apiVersion: '2023-06-01',
  maxRetries: 2,
} as const;

const KEY = 'anthropic';
const API_KEY_ENV = 'ANTHROPIC_API_KEY';

/**
 * Claude through the Messages API, streaming text and tool calls (`input_json_delta`s
 * assembled into whole tool calls). System prompts are sent as `system`, tool results as
 * `tool_result` blocks. A request that fails before its first token is retried (429, 5xx,
 * 529 overloaded; honouring `retry-after`); aborting closes the request at once and ends the
 * stream quietly.
 *
 * @example
 * ```ts
 * import * as anthropic from '@patter/anthropic';
 * phone.agent({ stt, llm: anthropic.LLM({ model: 'claude-haiku-4-5' }), tts });
 * ```
 */
export class AnthropicLLM implements LLMProvider {
  readonly key = KEY;
  readonly model: string;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: AnthropicLLMOptions = {}) {
    this.model = options.model ?? DEFAULTS.model;
    this.baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl);
    this.headers = {
      ...options.headers,
      'x-api-key': resolveApiKey(options.apiKey, API_KEY_ENV),
      'anthropic-version': options.apiVersion ?? DEFAULTS.apiVersion,
    };
    const t = options.temperature;
    if (t !== undefined && !(t >= 0 && t <= 1)) throw new ConfigError('temperature', `must be between 0 and 1, got ${t}`);
    const max = options.maxTokens;
    if (max !== undefined && !(Number.isInteger(max) && max > 0)) throw new ConfigError('maxTokens', `must be a positive integer, got ${max}`);
    const idle = options.idleTimeoutMs;
    if (idle !== undefined && !(idle >= 0)) throw new ConfigError('idleTimeoutMs', `must be zero (off) or a positive number of ms, got ${idle}`);
  }

  chat(messages: readonly ChatMessage[], options: LLMChatOptions = {}): AsyncGenerator<LLMDelta> {
    return streamLLMRequest({
      provider: KEY,
      url: joinUrl(this.baseUrl, '/v1/messages'),
      headers: this.headers,
      body: this.requestBody(messages, options),
      read: (body, logger) => readMessagesStream(body, KEY, logger),
      signal: options.signal,
      logger: options.logger,
      callId: options.callId,
      apiKeyEnv: API_KEY_ENV,
      maxRetries: this.options.maxRetries ?? DEFAULTS.maxRetries,
      timeoutMs: this.options.timeoutMs,
      idleTimeoutMs: this.options.idleTimeoutMs,
      // The vendor's id of the request (its API reference: every response carries it).
      requestIdHeader: 'request-id',
      onRequestId: options.onRequestId,
    });
  }

  async warmup(): Promise<void> {
    await warmUpHttp(joinUrl(this.baseUrl, '/v1/models'), { provider: KEY, headers: this.headers });
  }

  /** The JSON body of one Messages request. */
  requestBody(history: readonly ChatMessage[], options: Pick<LLMChatOptions, 'tools'> = {}): Record<string, unknown> {
    const { system, messages } = toAnthropicMessages(history);
    const tools = options.tools ?? [];
    return {
      model: this.model,
      max_tokens: this.options.maxTokens ?? DEFAULTS.maxTokens,
      ...(system === undefined ? {} : { system }),
      messages,
      ...(tools.length ? { tools: toAnthropicTools(tools) } : {}),
      ...(this.options.temperature === undefined ? {} : { temperature: this.options.temperature }),
      stream: true,
    };
  }
}
