import { ConfigError } from '../../errors/config-error.js';
import { createHttpMessageHandler } from './http-message-handler.js';
import { createLLMReplySource } from './llm-reply-source.js';
import { createMessageReplySource } from './message-reply-source.js';
import type { ReplySource } from './reply-source.js';
import type { SessionContext } from '../session-context.js';
import { createWebSocketMessageHandler } from './ws-message-handler.js';

/** The reply source of an agent: `onMessage` (function or URL) if set, else its LLM. */
export function createReplySource(context: SessionContext): ReplySource {
  const { onMessage, llm } = context.agent;
  if (typeof onMessage === 'function') return createMessageReplySource(onMessage, context);
  if (typeof onMessage === 'string') {
    if (/^wss?:\/\//i.test(onMessage)) {
      const remote = createWebSocketMessageHandler(onMessage);
      const source = createMessageReplySource(remote.handler, context);
      return { reply: source.reply, close: async () => remote.close() };
    }
    if (/^https?:\/\//i.test(onMessage)) return createMessageReplySource(createHttpMessageHandler(onMessage), context);
    throw new ConfigError('onMessage', 'must be a function or an http(s):// or ws(s):// URL');
  }
  if (llm) return createLLMReplySource(llm, context);
  throw new ConfigError('llm', 'a pipeline agent needs `llm` or `onMessage`');
}
