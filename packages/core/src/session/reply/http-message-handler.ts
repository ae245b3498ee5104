import type { MessageContext, MessageHandler } from '../../agent/agent-options.js';
import { header, httpRequest } from '../../net/http-request.js';
import { readLines, readSSE } from '../../net/read-lines.js';
import { withTraceparent } from '../../telemetry/call-trace-context.js';

/** What a remote agent receives (JSON), over HTTP POST or as a WebSocket `message`. */
export interface RemoteMessageRequest {
  readonly type: 'message';
  readonly text: string;
  readonly source: MessageContext['source'];
  readonly callId: string;
  readonly callRef: string;
  readonly history: MessageContext['history'];
  readonly variables: MessageContext['variables'];
}

export function remoteMessageRequest(context: MessageContext): RemoteMessageRequest {
  return {
    type: 'message',
    text: context.text,
    source: context.source,
    callId: context.call.callId,
    callRef: context.call.callRef,
    history: context.history,
    variables: context.variables,
  };
}

/**
 * `onMessage` as a URL: POSTs the turn as JSON. The answer may be JSON (`{ "text": "…" }`),
 * plain text, NDJSON lines of `{ "text": "…" }`, or server-sent events whose data is text or
 * `{ "text": "…" }` — the last two stream to TTS as they arrive.
 */
export function createHttpMessageHandler(url: string, timeoutMs = 15_000): MessageHandler {
  return async (context) => {
    const response = await httpRequest(url, {
      provider: 'on_message',
      method: 'POST',
      body: { ...remoteMessageRequest(context) },
      headers: withTraceparent({ accept: 'application/json, text/event-stream, application/x-ndjson, text/plain' }, context.call.callId),
      signal: context.signal,
      timeoutMs,
    });
    const type = header(response.headers, 'content-type') ?? '';
    if (type.includes('text/event-stream')) return fromSSE(response.body, context.signal);
    if (type.includes('ndjson')) return fromNDJSON(response.body, context.signal);
    const text = await response.body.text();
    if (type.includes('json')) return textOf(safeParse(text));
    return text;
  };
}

async function* fromSSE(body: AsyncIterable<Uint8Array>, signal: AbortSignal): AsyncGenerator<string> {
  for await (const event of readSSE(body)) {
    if (signal.aborted) return;
    if (event.data === '[DONE]') return;
    const parsed = safeParse(event.data);
    yield parsed === undefined ? event.data : textOf(parsed);
  }
}

async function* fromNDJSON(body: AsyncIterable<Uint8Array>, signal: AbortSignal): AsyncGenerator<string> {
  for await (const line of readLines(body)) {
    if (signal.aborted) return;
    if (line.trim() === '') continue;
    yield textOf(safeParse(line));
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `{ text }`, `{ reply }`, `{ message }` or a bare string. */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    for (const key of ['text', 'reply', 'message', 'content'] as const) {
      const field = (value as Record<string, unknown>)[key];
      if (typeof field === 'string') return field;
    }
  }
  return '';
}
