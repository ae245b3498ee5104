import type { AgentOptions } from './agent-options.js';

/**
 * Every option of `AgentOptions`. The type makes the compiler refuse a list that misses one, so a
 * new option cannot be forgotten here (it would be refused at runtime as a typo).
 */
const AGENT_OPTIONS: Record<keyof AgentOptions, true> & Record<string, true> = {
  name: true,
  engine: true,
  stt: true,
  llm: true,
  tts: true,
  onMessage: true,
  systemPrompt: true,
  firstMessage: true,
  voicemailMessage: true,
  variables: true,
  tools: true,
  allowInterruptions: true,
  interruptionMinMs: true,
  transferAllowlist: true,
  maxCallDurationMs: true,
  turnDetection: true,
  endpointingMs: true,
  vad: true,
  interruptionGraceMs: true,
  guardrails: true,
  hallucinationFilter: true,
  pricing: true,
  holdAudio: true,
};

/** The names `AgentOptions` accepts: anything else is a typo, and validation says which option was meant. */
export const AGENT_OPTION_KEYS: ReadonlySet<string> = new Set(Object.keys(AGENT_OPTIONS));
