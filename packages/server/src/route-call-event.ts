import type { CarrierCallEvent } from '@patter/core';
import { invokeCallback } from './invoke-callback.js';
import type { ServerContext } from './server-context.js';

/** Carrier statuses after which an outbound call that never connected its stream is over. */
const FINAL_STATUSES = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled', 'cancelled', 'rejected']);

/**
 * Delivers a carrier webhook event (status, AMD result, recording, end) to the session of the call
 * it is about, found by call ref or carrier call id. Events for an outbound call whose stream has not
 * connected yet are held and delivered when it does; if such a call ends first (busy, no answer) it
 * is dropped and `onCallEnd` reports it.
 */
export function routeCallEvent(context: ServerContext, event: CarrierCallEvent): void {
  const { registry, logger, options } = context;
  if (event.type === 'recording') {
    const { callId, url } = event;
    context.history?.addRecording(callId, url, event.durationSeconds);
    invokeCallback(logger, 'onRecording', options.onRecording, {
      callId,
      url,
      ...(event.callRef !== undefined && { callRef: event.callRef }),
      ...(event.durationSeconds !== undefined && { durationSeconds: event.durationSeconds }),
    });
  }
  const { active, pending } = registry.find(event);
  if (active) {
    active.session.handleCarrierEvent(event);
    return;
  }
  if (!pending) {
    logger.debug({ callId: event.callId, type: event.type }, 'carrier event for no known call');
    return;
  }
  const reason = event.type === 'ended' ? event.reason : event.type === 'status' && FINAL_STATUSES.has(event.status) ? event.status : undefined;
  if (reason === undefined) {
    registry.holdEarly(pending, event);
    return;
  }
  registry.removePending(pending.callRef);
  logger.info({ callRef: pending.callRef, callId: event.callId, reason }, 'outbound call ended before its stream connected');
  context.fleet?.callEnded(event.callId, reason, false);
  const now = Date.now();
  invokeCallback(
    logger,
    'onCallEnd',
    options.onCallEnd,
    {
      callId: event.callId,
      callRef: pending.callRef,
      reason,
      startedAt: pending.placedAt,
      durationMs: now - pending.placedAt,
      transcript: [],
      usage: {},
      cost: {},
    },
    undefined,
  );
}
