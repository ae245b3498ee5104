import { ConfigError } from '@patter/core';

/** Limits that hold across every server of the fleet (they are checked in the shared database). */
export interface FleetLimits {
  /** Live calls (dialing or in a call) in total. Default unlimited. */
  readonly maxCalls?: number;
  /** Live calls per from-number. Default 1. */
  readonly callsPerFromNumber?: number;
  /** Calls started per second per from-number. Default 1. */
  readonly cpsPerFromNumber?: number;
  /** Calls started per second on the carrier account (Twilio's default is 1). Default unlimited. */
  readonly cpsPerAccount?: number;
}

export interface ResolvedLimits {
  readonly maxCalls: number;
  readonly callsPerFromNumber: number;
  readonly cpsPerFromNumber: number;
  readonly cpsPerAccount: number;
}

export function resolveLimits(limits: FleetLimits = {}): ResolvedLimits {
  const resolved = {
    maxCalls: limits.maxCalls ?? Number.POSITIVE_INFINITY,
    callsPerFromNumber: limits.callsPerFromNumber ?? 1,
    cpsPerFromNumber: limits.cpsPerFromNumber ?? 1,
    cpsPerAccount: limits.cpsPerAccount ?? Number.POSITIVE_INFINITY,
  };
  for (const [key, value] of Object.entries(resolved)) {
    if (!(value > 0)) throw new ConfigError(`limits.${key}`, 'expected a number > 0');
  }
  return resolved;
}
