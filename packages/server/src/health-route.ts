import type { CarrierHttpResponse } from '@patter/core';
import type { ServerContext } from './server-context.js';

/**
 * `GET /health`: 200 `{ status: 'ok', activeCalls, pendingCalls }` while serving, 503 with
 * `status: 'draining'` once shutdown began, so a load balancer stops sending calls here.
 */
export function healthResponse(context: ServerContext): CarrierHttpResponse {
  const body = {
    status: context.accepting ? 'ok' : 'draining',
    activeCalls: context.registry.activeCount,
    pendingCalls: context.registry.pendingCount,
    carrier: context.carrier.key,
  };
  return {
    status: context.accepting ? 200 : 503,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}
