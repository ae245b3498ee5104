import type { AgentOptions, Logger } from '@patter/core';
import { validateAgentOptions, type AgentMode } from '@patter/core/plugin';

const AGENT = Symbol.for('patter.agent');

/** A validated agent: what `phone.agent()` returns and `serve()` / `call()` take. Immutable. */
export interface Agent extends AgentOptions {
  readonly [AGENT]: true;
  /** `engine`, `pipeline`, or `text` (no voice providers: the dev phone's text mode and `phone.test()`). */
  readonly mode: AgentMode;
}

/** Whether `value` came out of `createAgent` / `phone.agent()`. */
export function isAgent(value: unknown): value is Agent {
  return typeof value === 'object' && value !== null && AGENT in value;
}

/**
 * Validates agent options (every field, in core: `validateAgentOptions`) and freezes them. Every
 * mistake throws `ConfigError` naming the option; an unknown option is refused with the one
 * probably meant (`sytemPrompt` → `systemPrompt`): an agent never runs without its prompt because of a typo.
 */
export function createAgent(options: AgentOptions, logger?: Logger): Agent {
  const mode = validateAgentOptions(options);
  logger?.debug({ mode }, 'agent configured');
  return Object.freeze({
    ...options,
    ...(options.variables !== undefined && { variables: Object.freeze({ ...options.variables }) }),
    ...(options.tools !== undefined && { tools: Object.freeze([...options.tools]) }),
    mode,
    [AGENT]: true,
  }) as Agent;
}
