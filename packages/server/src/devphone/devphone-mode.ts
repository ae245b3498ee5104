import type { AgentOptions } from '@patter/core';
import type { DevPhoneMode } from './devphone-carrier.js';

/** Voice when the agent can hear and speak (an engine, or STT and TTS); text otherwise. */
export function devPhoneMode(agent: AgentOptions): DevPhoneMode {
  return agent.engine || (agent.stt && agent.tts) ? 'voice' : 'text';
}
