import type { AgentOptions } from '../agent/agent-options.js';
import type { CallControl } from '../call/call-control.js';
import type { Logger } from '../log/logger.js';
import type { ToolRunner } from '../tools/tool-runner.js';
import type { ToolContext } from '../tools/tool.js';
import type { TypedEmitter } from '../util/typed-emitter.js';
import type { CallSessionEvents } from './call-session.js';
import type { Conversation } from './conversation/conversation.js';
import type { UsageMeter } from './usage/usage-meter.js';

/**
 * What every part of one call shares: the agent, the conversation, the tools, the events and
 * the call's lifetime. Built by `createCallSession` and handed to
 * the mode that runs the call (pipeline, engine bridge, text).
 */
export interface SessionContext {
  readonly agent: AgentOptions;
  readonly logger: Logger;
  readonly variables: Readonly<Record<string, string>>;
  /** The history the model sees and the call's transcript, recorded together. */
  readonly conversation: Conversation;
  readonly tools: ToolRunner;
  readonly control: CallControl;
  readonly events: TypedEmitter<CallSessionEvents>;
  readonly usage: UsageMeter;
  /** Aborted when the call ends: every request of the call hangs off it. */
  readonly signal: AbortSignal;
  readonly callId: () => string;
  /** The context a tool, hook or `onMessage` receives, under `signal`. */
  readonly toolContext: (signal: AbortSignal) => ToolContext;
}
