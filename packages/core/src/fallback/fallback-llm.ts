import { ConfigError } from '../errors/config-error.js';
import type { ChatMessage } from '../llm/chat-message.js';
import type { LLMChatOptions, LLMDelta, LLMProvider } from '../llm/llm-provider.js';
import type { FallbackOptions } from './fallback-options.js';
import { ProviderHealth } from './provider-health.js';
import { shouldFailOver } from './should-fail-over.js';

/** Sent after the partial reply when the next model must finish a reply another one began. */
export const CONTINUE_INSTRUCTION =
  'Your previous reply was cut off after the text above. Continue it from exactly where it stopped: do not repeat any of it, do not start over.';

/**
 * An LLM that tries its members in order: the next takes over on a connection error, auth
 * error, timeout or 5xx. Before any output the request simply moves on. After text was streamed,
 * the next member gets the partial reply as an assistant message plus a request to continue it,
 * so nothing is said twice. After a tool call was streamed the failure is thrown (the tool may
 * have run; a second model cannot resume it). `key`/`model` are the first member's.
 *
 * @example
 * phone.agent({ llm: new FallbackLLM([openai.LLM(), anthropic.LLM()]), stt, tts });
 */
export class FallbackLLM implements LLMProvider {
  readonly key: string;
  readonly model: string;
  readonly providers: readonly LLMProvider[];
  private readonly health: ProviderHealth<LLMProvider>;

  constructor(providers: readonly LLMProvider[], options: FallbackOptions<LLMProvider> = {}) {
    const first = providers[0];
    if (first === undefined) throw new ConfigError('providers', 'FallbackLLM needs at least one LLM');
    this.providers = [...providers];
    this.key = first.key;
    this.model = first.model;
    this.health = new ProviderHealth(this.providers, options);
  }

  async *chat(messages: readonly ChatMessage[], options: LLMChatOptions = {}): AsyncIterable<LLMDelta> {
    const { logger, callId, signal } = options;
    let partial = '';
    let lastError: unknown;
    for (const provider of this.health.order()) {
      const request: readonly ChatMessage[] =
        partial === ''
          ? messages
          : [...messages, { role: 'assistant', content: partial }, { role: 'user', content: CONTINUE_INSTRUCTION }];
      let toolCalled = false;
      let served = false;
      try {
        for await (const delta of provider.chat(request, options)) {
          if (!served) {
            served = true;
            logger?.info({ callId, provider: provider.key, continued: partial !== '' }, 'fallback: llm provider serving the turn');
          }
          if (delta.type === 'text') partial += delta.text;
          if (delta.type === 'toolCall') toolCalled = true;
          yield delta;
        }
        this.health.markServed(provider);
        return;
      } catch (error) {
        if (toolCalled || !shouldFailOver(error, signal)) throw error;
        lastError = error;
        logger?.warn({ callId, provider: provider.key, err: error, afterOutput: partial !== '' }, 'fallback: llm provider failed, trying the next');
        this.health.markFailed(provider, logger);
      }
    }
    throw lastError;
  }

  async warmup(): Promise<void> {
    await Promise.all(this.providers.map((p) => p.warmup?.()));
  }

  /** Stops the background probes. */
  close(): Promise<void> {
    this.health.close();
    return Promise.resolve();
  }

  /** Whether a member is in rotation (a failed one is out until its probe succeeds). */
  isHealthy(provider: LLMProvider): boolean {
    return this.health.isHealthy(provider);
  }
}
