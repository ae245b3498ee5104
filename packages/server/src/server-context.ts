import type { Carrier, CallSession, CallSessionOptions, Logger } from '@patter/core';
import type { Agent } from './agent.js';
import type { CallRegistry } from './call-registry.js';
import type { CallHistory } from './dashboard/call-history.js';
import type { DashboardHandler } from './dashboard/dashboard-handler.js';
import type { ServerFleet } from './campaigns/server-fleet.js';
import type { ResolvedServeOptions } from './serve-options.js';
import type { StreamToken } from './stream-token.js';

/** Builds the session for one call. Core's `createCallSession` by default. */
export type CallSessionFactory = (options: CallSessionOptions) => CallSession;

/** What the pieces of a running server share. One per `serve()`. */
export interface ServerContext {
  readonly carrier: Carrier;
  /** The dev phone, mounted beside the carrier when `devPhone` is on. */
  readonly devPhone: Carrier | undefined;
  readonly phoneNumber: string;
  readonly logger: Logger;
  readonly options: ResolvedServeOptions;
  /** The agent that answers inbound calls. */
  readonly agent: Agent;
  readonly registry: CallRegistry;
  readonly tokens: StreamToken;
  readonly createSession: CallSessionFactory;
  /** Public http(s) base URL (from `webhookUrl`, else the bound address). */
  publicUrl: string;
  /** False once shutdown began. */
  accepting: boolean;
  /** The call history (store, live view, post-call webhooks), when the store is on. */
  readonly history?: CallHistory;
  /** `/dashboard`, when on. */
  readonly dashboard?: DashboardHandler;
  /** Campaigns dialed by this server, when the `fleet` option is on. */
  readonly fleet?: ServerFleet;
}
