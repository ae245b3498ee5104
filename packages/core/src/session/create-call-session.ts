import type { CallSession, CallSessionOptions } from './call-session.js';
import { LiveCall } from './live-call.js';

/**
 * One call: wires the transport to the agent. Pipeline mode (`stt` + `llm`|`onMessage` +
 * `tts`) or engine mode (`engine`) is chosen from the agent; an agent with neither on a call
 * that carries text (`text`) converses in text. The session starts when the transport's `start`
 * arrives (or at once if it already did), speaks the first message — after answering-machine
 * detection when `overrides.machineDetection` — and ends once, emitting `callEnd` with the
 * duration, reason, transcript, usage and cost.
 */
export function createCallSession(options: CallSessionOptions): CallSession {
  return new LiveCall(options);
}
