import { ConfigError, type AgentOptions } from '@patter/core';
import { resolveLimits, type FleetLimits } from '@patter/fleet';
import { createAgent, isAgent, type Agent } from '../agent.js';

/** The `fleet` option of `phone.serve()`: campaigns and schedules dialed by this server. */
export interface FleetServeOptions {
  /** Limits held across every server of the fleet (checked in the shared database). */
  readonly limits?: FleetLimits;
  /** Campaign calls this server dials at once (pg-boss workers). Default 10. */
  readonly slots?: number;
  /** Agents a campaign may name (`campaign({ agent: 'sales' })`); the served agent is the default. */
  readonly agents?: Readonly<Record<string, Agent | AgentOptions>>;
  /** This server's name in the fleet's claims. Default a random id. */
  readonly workerId?: string;
  /** A dial stuck this long (its server died) is checked with the carrier. Default 30 s. */
  readonly leaseMs?: number;
  /** A campaign call with no reported end for this long is checked with the carrier. Default 60 s. */
  readonly callCheckMs?: number;
  /** With a carrier that cannot list calls: a call with no reported end counts as failed after this. Default 1 h. */
  readonly maxCallMs?: number;
  /** How often due contacts are queued and stale ones checked. Default 1 s. */
  readonly tickMs?: number;
  /** A dial job held this long by a server that died is handed to another. Default 60 s. */
  readonly jobExpireSeconds?: number;
  /** The PostgreSQL schema of the job queue (pg-boss). Fleets sharing a database need their own. Default `pgboss`. */
  readonly jobSchema?: string;
}

export interface ResolvedFleetOptions extends Omit<FleetServeOptions, 'agents'> {
  readonly agents: ReadonlyMap<string, Agent>;
}

const KEYS = new Set(['limits', 'slots', 'agents', 'workerId', 'leaseMs', 'callCheckMs', 'maxCallMs', 'tickMs', 'jobExpireSeconds', 'jobSchema']);
const DURATIONS = ['leaseMs', 'callCheckMs', 'maxCallMs', 'tickMs'] as const;

/** `true` or an options object → resolved options; ConfigError naming `fleet.<option>`. */
export function resolveFleetOptions(value: boolean | FleetServeOptions): ResolvedFleetOptions | undefined {
  if (value === false) return undefined;
  const options: FleetServeOptions = value === true ? {} : value;
  if (typeof options !== 'object' || options === null) throw new ConfigError('fleet', 'expected true or an options object');
  for (const key of Object.keys(options)) if (!KEYS.has(key)) throw new ConfigError(`fleet.${key}`, 'unknown fleet option');
  if (options.slots !== undefined && (!Number.isInteger(options.slots) || options.slots < 1)) throw new ConfigError('fleet.slots', 'expected an integer >= 1');
  for (const key of DURATIONS) {
    const ms = options[key];
    if (ms !== undefined && !(typeof ms === 'number' && ms > 0 && Number.isFinite(ms))) throw new ConfigError(`fleet.${key}`, 'expected milliseconds (> 0)');
  }
  if (options.jobExpireSeconds !== undefined && (!Number.isInteger(options.jobExpireSeconds) || options.jobExpireSeconds < 1)) {
    throw new ConfigError('fleet.jobExpireSeconds', 'expected whole seconds >= 1');
  }
  if (options.jobSchema !== undefined && (typeof options.jobSchema !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(options.jobSchema))) {
    throw new ConfigError('fleet.jobSchema', 'expected a PostgreSQL schema name (lower case letters, digits, _)');
  }
  if (options.workerId !== undefined && (typeof options.workerId !== 'string' || options.workerId === '')) {
    throw new ConfigError('fleet.workerId', 'expected a non-empty string');
  }
  try {
    resolveLimits(options.limits);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`fleet.${error.option}`, error.message.slice(error.option.length + 2));
    throw error;
  }
  const agents = new Map<string, Agent>();
  if (options.agents !== undefined) {
    if (typeof options.agents !== 'object' || options.agents === null) throw new ConfigError('fleet.agents', 'expected an object of agents by name');
    for (const [name, agent] of Object.entries(options.agents)) {
      if (typeof agent !== 'object' || agent === null) throw new ConfigError(`fleet.agents.${name}`, 'expected an agent (phone.agent()) or agent options');
      agents.set(name, isAgent(agent) ? agent : createAgent(agent));
    }
  }
  return { ...options, agents };
}
