import type { Carrier, CallDirection, CallOverrides, CallSession, CallTransport, Logger } from '@patter/core';
import type { WebSocket } from '@patter/core/plugin';
import type { Agent } from './agent.js';
import { DevPhoneTransport } from './devphone/devphone-transport.js';
import { invokeCallback } from './invoke-callback.js';
import type { ServerContext } from './server-context.js';
import { warmupsOf } from './warmup-registry.js';

/**
 * Turns an authenticated media-stream WebSocket into a running call: the carrier wraps it in a
 * transport, the session factory builds the session with the call's agent (the outbound call's own
 * agent and overrides when `phone.call()` placed it, else the served agent), and the session's
 * events reach the user's callbacks. The call leaves the registry when the session has ended.
 */
export function startCall(context: ServerContext, socket: WebSocket, callRef: string, carrier: Carrier = context.carrier): void {
  const { registry, options } = context;
  const pending = registry.removePending(callRef);
  const direction: CallDirection = pending ? 'outbound' : 'inbound';
  const agent: Agent = pending?.agent ?? context.agent;
  const overrides: CallOverrides = pending?.overrides ?? {};
  const logger = context.logger.child({ callRef, carrier: carrier.key, direction });

  let session: CallSession;
  let transport: CallTransport;
  try {
    transport = carrier.acceptStream(socket, { callRef, logger, direction });
    const prepared = pending ? undefined : warmupsOf(context)?.take(callRef);
    const devPhone = transport instanceof DevPhoneTransport ? transport : undefined;
    session = context.createSession({
      agent, transport, logger, overrides, ...(prepared ? { prepared } : {}), ...(devPhone ? { text: devPhone.text } : {}),
    });
    devPhone?.attachSession(session);
    context.history?.observe(session, {
      callRef,
      carrier: carrier.key,
      direction,
      agent: agent.name,
      variables: { ...agent.variables, ...overrides.variables },
    });
    registry.addActive({ callRef, direction, session, transport, ...(pending?.callId !== undefined && { callId: pending.callId }) });
  } catch (err) {
    logger.error({ err }, 'call setup failed');
    if (socket.listenerCount('error') === 0) socket.on('error', () => {});
    socket.close(1011, 'call setup failed');
    return;
  }
  // A socket error (e.g. a message over maxMessageBytes) closes the socket; with no listener it is
  // thrown as an uncaught exception and takes the whole server down. The close then ends the call.
  if (socket.listenerCount('error') === 0) socket.on('error', (err) => logger.warn({ err }, 'media stream socket error'));
  const control = session.control;
  for (const event of pending?.early ?? []) session.handleCarrierEvent(event);

  session.on('callStart', (info) => {
    registry.setActiveCallId(callRef, info.callId);
    // "call started" / "call ended" are logged once, by the session (core).
    if (options.recording) startRecording(transport, info.callId, logger);
    invokeCallback(logger, 'onCallStart', options.onCallStart, info, control);
  });
  session.on('transcript', (entry) => invokeCallback(logger, 'onTranscript', options.onTranscript, entry, control));
  session.on('metrics', (metrics) => invokeCallback(logger, 'onMetrics', options.onMetrics, metrics, control));
  let ended = false;
  session.ended.then(
    (summary) => {
      ended = true;
      registry.removeActive(callRef);
      context.fleet?.callEnded(summary.callId, summary.reason, true);
      invokeCallback(logger, 'onCallEnd', options.onCallEnd, summary, control);
    },
    (err: unknown) => {
      ended = true;
      registry.removeActive(callRef);
      logger.error({ err }, 'call session failed');
    },
  );
  // Safety net: a socket that closes under a session that missed the transport's stop still ends it.
  socket.once('close', () => {
    if (!ended) session.end('caller_hangup').catch((err: unknown) => logger.warn({ err }, 'ending the call failed'));
  });
}

function startRecording(transport: CallTransport, callId: string, logger: Logger): void {
  if (!transport.startRecording) {
    logger.warn({ carrier: transport.carrier }, 'recording requested but the carrier cannot record');
    return;
  }
  transport.startRecording().catch((err: unknown) => logger.error({ err, callId }, 'starting the recording failed'));
}
