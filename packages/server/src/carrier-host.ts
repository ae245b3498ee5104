import { randomUUID } from 'node:crypto';
import type { Carrier, CarrierHost } from '@patter/core';
import { joinUrl, toWebSocketUrl } from '@patter/core/plugin';
import { routeCallEvent } from './route-call-event.js';
import { warmupsOf } from './warmup-registry.js';
import type { ServerContext } from './server-context.js';

/**
 * What the server lends its carrier: the public URL, signed stream URLs, call references, whether
 * calls are accepted, and the sink for the carrier's call events.
 */
export function createCarrierHost(context: ServerContext, carrier: Carrier = context.carrier, signal?: AbortSignal): CarrierHost {
  return {
    get publicUrl() {
      return context.publicUrl;
    },
    logger: context.logger.child({ carrier: carrier.key }),
    ...(signal === undefined ? {} : { signal }),
    streamUrl: (callRef) => streamUrl(context, callRef, carrier),
    newCallRef,
    acceptingCalls: () => context.accepting && context.registry.activeCount < context.options.maxCalls,
    onCallEvent: (event) => routeCallEvent(context, event),
  };
}

/** A fresh, unguessable call reference (32 hex characters). */
export function newCallRef(): string {
  return randomUUID().replaceAll('-', '');
}

/**
 * `wss://<public host><streamPath>/<callRef>/<token>`. The token lives in the path, not the query:
 * Twilio's `<Stream url>` does not carry query strings.
 */
export function streamUrl(context: ServerContext, callRef: string, carrier: Carrier = context.carrier): string {
  const { options, registry, tokens } = context;
  const outbound = registry.getPending(callRef) !== undefined;
  const ttl = outbound ? options.outboundStreamTokenTtlMs : options.streamTokenTtlMs;
  // An inbound call is ringing: prepare it while the carrier connects the stream.
  if (!outbound && context.accepting) warmupsOf(context)?.start(callRef, context.agent, carrier.mediaFormat);
  const path = `${carrier.streamPath.replace(/\/+$/, '')}/${callRef}/${tokens.sign(callRef, ttl)}`;
  return joinUrl(toWebSocketUrl(context.publicUrl), path);
}
