import { ConfigError, type Logger } from '@patter/core';
import type { CallHistory } from '../dashboard/call-history.js';
import type { ServeOptions } from '../serve-options.js';
import { resolveFleetOptions } from './fleet-serve-options.js';
import { ServerFleet } from './server-fleet.js';

/** The server's fleet from the `fleet` serve option (ConfigError naming the option); nothing when off. */
export function mountFleet(options: ServeOptions, history: CallHistory | undefined, logger: Logger): { fleet?: ServerFleet } {
  if (options.fleet === undefined) return {};
  const resolved = resolveFleetOptions(options.fleet);
  if (resolved === undefined) return {};
  if (history === undefined) throw new ConfigError('fleet', 'campaigns live in the call store: turn it on (store: true, or { url } for PostgreSQL)');
  return { fleet: new ServerFleet(resolved, history, logger.child({ component: 'fleet' })) };
}
