import { ConfigError, type AgentOptions, type Logger } from '@patter/core';
import type { Agent, CallOptions, OutboundCall } from '@patter/server';
import { CallStore } from '@patter/store';

/** A contact of `start_campaign`. */
export interface McpCampaignContact {
  readonly to: string;
  readonly variables?: Readonly<Record<string, string>>;
  readonly timeZone?: string;
}

/** What `start_campaign` passes to `phone.campaign()`. */
export interface McpCampaignOptions {
  readonly name?: string;
  /** A served agent's name; the server's default agent when omitted. */
  readonly agent?: string;
  readonly contacts: readonly McpCampaignContact[];
  /** Calls of the campaign at once, across the fleet. */
  readonly concurrency: number;
  /** Numbers to dial from; the server's number when omitted. */
  readonly fromNumbers?: readonly string[];
  readonly retry?: { readonly maxAttempts?: number };
  /** No call before this instant (epoch ms). */
  readonly startAt?: number;
}

/** What the tools need of the Patter app: a `Patter` serving (`await phone.serve()`) fits. */
export interface McpPhone {
  call(options: CallOptions): Promise<OutboundCall>;
  agent(options: AgentOptions): Agent;
  /** Campaigns (`phone.campaign()`, with the fleet): `start_campaign` is offered only when present. */
  campaign?(options: McpCampaignOptions): Promise<{ readonly campaignId: string }>;
}

/** Options of `new PatterMcp()`. */
export interface PatterMcpOptions {
  /** The Patter app, serving: `make_call` places calls with `phone.call()`. */
  readonly phone: McpPhone;
  /**
   * The call store the server writes to (pass the same `CallStore` as `serve({ store })`):
   * `get_call`, `list_calls`. Or a promise of it: the MCP server answers clients at once and the
   * tools wait for it (resolve it once the server is serving, as `patter-mcp` does).
   */
  readonly store: CallStore | PromiseLike<CallStore>;
  /** The served agent: the default of `make_call`, and the base (providers, voice) of a call with a `prompt`. */
  readonly agent?: Agent | AgentOptions;
  /** Agents `make_call` and `start_campaign` may name. */
  readonly agents?: Readonly<Record<string, Agent | AgentOptions>>;
  /** Longest `make_call` wait, and its default. Default 10 min. */
  readonly maxWaitMs?: number;
  /** How often a waiting `make_call` reads the store. Default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** After a call's end is known, how long to wait for its stored record. Default 30 s. */
  readonly recordGraceMs?: number;
  readonly logger?: Logger;
}

export interface ResolvedPatterMcpOptions extends PatterMcpOptions {
  readonly maxWaitMs: number;
  readonly pollIntervalMs: number;
  readonly recordGraceMs: number;
}

/** Defaults of `PatterMcpOptions`. */
export const PATTER_MCP_DEFAULTS = { maxWaitMs: 600_000, pollIntervalMs: 1_000, recordGraceMs: 30_000 } as const;

/** Fills defaults; throws `ConfigError` naming the first bad option. */
export function resolvePatterMcpOptions(options: PatterMcpOptions): ResolvedPatterMcpOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'expected an options object');
  const { phone, store, agents } = options;
  if (typeof phone !== 'object' || phone === null || typeof phone.call !== 'function' || typeof phone.agent !== 'function') {
    throw new ConfigError('phone', 'expected the Patter app (new Patter(...)), serving');
  }
  if (!(store instanceof CallStore) && typeof (store as PromiseLike<CallStore> | null)?.then !== 'function') throw storeError();
  if (options.agent !== undefined && (typeof options.agent !== 'object' || options.agent === null)) throw new ConfigError('agent', 'expected an agent');
  if (agents !== undefined) {
    if (typeof agents !== 'object' || agents === null) throw new ConfigError('agents', 'expected { name: agent }');
    for (const [name, agent] of Object.entries(agents)) {
      if (typeof agent !== 'object' || agent === null) throw new ConfigError(`agents.${name}`, 'expected an agent');
    }
  }
  const resolved = { ...PATTER_MCP_DEFAULTS, ...stripUndefined(options) } as ResolvedPatterMcpOptions;
  for (const key of ['maxWaitMs', 'pollIntervalMs', 'recordGraceMs'] as const) {
    if (typeof resolved[key] !== 'number' || !(resolved[key] > 0)) throw new ConfigError(key, 'expected milliseconds (> 0)');
  }
  return resolved;
}

/** The `store` option is not a CallStore (or did not resolve to one). */
export function storeError(): ConfigError {
  return new ConfigError('store', 'expected the CallStore the server writes to (openCallStore() from @patter/store, passed to serve({ store }) too)');
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
