import { ConfigError, PatterError, type AgentOptions, type CallOverrides } from '@patter/core';
import { maskPhoneNumber } from '@patter/core/plugin';
import { createAgent, isAgent } from './agent.js';
import { newCallRef, streamUrl } from './carrier-host.js';
import type { ServerContext } from './server-context.js';

/** Options of `phone.call()`. */
export interface CallOptions {
  /** Number to dial: E.164 (`+15550001234`) or a `sip:` URI. */
  readonly to: string;
  /** The agent for this call. Default: the served agent. */
  readonly agent?: AgentOptions;
  /** Overrides the agent's `firstMessage` for this call. */
  readonly firstMessage?: string;
  /** Detect answering machines; the session waits for the result before speaking. Default: on when `voicemailMessage` is set. */
  readonly machineDetection?: boolean;
  /** Spoken after the voicemail greeting ends, in the agent's voice; then the call hangs up. */
  readonly voicemailMessage?: string;
  /** Merged over the agent's variables for this call. */
  readonly variables?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

/** A placed outbound call. */
export interface OutboundCall {
  readonly callId: string;
  readonly callRef: string;
}

const DESTINATION = /^(\+[1-9]\d{6,14}|sips?:\S+)$/;

/**
 * Places an outbound call through the carrier. The call's agent and overrides are kept in a
 * pending-call record under a fresh call ref; the stream URL given to the carrier carries a token
 * for that ref, so when the callee answers, the stream finds that agent with those variables.
 * `from` is the caller id (a campaign's from-number; default the Patter's `phoneNumber`).
 */
export async function placeOutboundCall(context: ServerContext, options: CallOptions, from: string = context.phoneNumber): Promise<OutboundCall> {
  if (typeof options !== 'object' || options === null) throw new ConfigError('call', 'expected an options object');
  if (typeof options.to !== 'string' || !DESTINATION.test(options.to)) {
    throw new ConfigError('to', 'expected an E.164 number like +15550001234 or a sip: URI');
  }
  for (const key of ['firstMessage', 'voicemailMessage'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'string') throw new ConfigError(key, 'expected a string');
  }
  if (options.machineDetection !== undefined && typeof options.machineDetection !== 'boolean') {
    throw new ConfigError('machineDetection', 'expected a boolean');
  }
  const base = options.agent === undefined ? context.agent : isAgent(options.agent) ? options.agent : createAgent(options.agent, context.logger);
  // Validates the variables the same way as an agent's.
  const agent = options.variables === undefined ? base : createAgent({ ...base, variables: { ...base.variables, ...options.variables } });
  if (!context.accepting) throw new PatterError('the server is shutting down: no new calls');

  const machineDetection = options.machineDetection ?? options.voicemailMessage !== undefined;
  const overrides: CallOverrides = {
    machineDetection,
    ...(agent.variables !== undefined && { variables: agent.variables }),
    ...(options.firstMessage !== undefined && { firstMessage: options.firstMessage }),
    ...(options.voicemailMessage !== undefined && { voicemailMessage: options.voicemailMessage }),
  };
  const callRef = newCallRef();
  const now = Date.now();
  context.registry.addPending({
    callRef,
    agent,
    overrides,
    placedAt: now,
    expiresAt: now + context.options.outboundStreamTokenTtlMs,
    early: [],
  });
  const logger = context.logger.child({ callRef, to: maskPhoneNumber(options.to) });
  try {
    const { callId } = await context.carrier.placeCall({
      to: options.to,
      from,
      callRef,
      streamUrl: streamUrl(context, callRef),
      machineDetection,
      ...(options.signal !== undefined && { signal: options.signal }),
    });
    context.registry.setPendingCallId(callRef, callId);
    logger.info({ callId }, 'outbound call placed');
    return { callId, callRef };
  } catch (err) {
    context.registry.removePending(callRef);
    logger.warn({ err }, 'placing the outbound call failed');
    throw err;
  }
}
