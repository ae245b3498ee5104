import { createHmac } from 'node:crypto';
import { httpRequest } from '../net/http-request.js';
import { ProviderError } from '../errors/provider-error.js';
import { isAbortError } from '../util/abort.js';
import { retry } from '../util/retry.js';
import type { ToolContext, WebhookTool } from './tool.js';
import { withTraceparent } from '../telemetry/call-trace-context.js';

/** The header carrying the webhook signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-patter-signature';

/**
 * Signs a webhook body: HMAC-SHA256 with the shared secret over `"<timestamp>.<body>"`, hex.
 * The receiver recomputes it from the raw body and the `t=` value, compares in constant time,
 * and rejects timestamps older than a few minutes (replay).
 */
export function signWebhookBody(secret: string, body: string, timestamp: number): string {
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${digest}`;
}

/** What the webhook receives (JSON, POST). */
export interface WebhookToolRequest {
  readonly tool: string;
  readonly arguments: unknown;
  readonly callId: string;
  readonly callRef: string;
}

/**
 * Runs a webhook tool: POSTs the arguments as JSON, with a timeout per attempt and retries on
 * connection failures, timeouts, 408/429/5xx. A JSON answer is returned parsed, any other
 * body as text; a 4xx (other than 408/429) throws at once.
 */
export async function callWebhookTool(tool: WebhookTool, args: unknown, context: ToolContext): Promise<unknown> {
  const { webhook } = tool;
  const payload: WebhookToolRequest = {
    tool: tool.name,
    arguments: args,
    callId: context.callId,
    callRef: context.call.callRef,
  };
  const body = JSON.stringify(payload);
  return retry(
    async () => {
      const headers = withTraceparent({ ...webhook.headers, 'content-type': 'application/json' }, context.callId);
      if (webhook.secret !== undefined) {
        headers[WEBHOOK_SIGNATURE_HEADER] = signWebhookBody(webhook.secret, body, Math.floor(Date.now() / 1000));
      }
      const timeout = AbortSignal.timeout(webhook.timeoutMs ?? 10_000);
      const signal = AbortSignal.any([context.signal, timeout]);
      const response = await httpRequest(webhook.url, {
        provider: `tool:${tool.name}`,
        method: 'POST',
        headers,
        body,
        signal,
        timeoutMs: webhook.timeoutMs ?? 10_000,
      });
      const text = await response.body.text();
      const type = String(response.headers['content-type'] ?? '');
      if (type.includes('json') && text !== '') {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          return text;
        }
      }
      return text;
    },
    {
      retries: webhook.retries ?? 2,
      minDelayMs: 200,
      maxDelayMs: 2000,
      signal: context.signal,
      // A per-attempt timeout is worth retrying; the call's own abort is not.
      shouldRetry: (err) =>
        !context.signal.aborted && ((ProviderError.isProviderError(err) && err.retryable) || isAbortError(err)),
      onRetry: (err, attempt, waitMs) =>
        context.logger.warn({ err, attempt, waitMs, tool: tool.name }, 'webhook tool failed, retrying'),
    },
  );
}
