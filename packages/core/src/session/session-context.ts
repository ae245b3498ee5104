import type { AgentOptions } from '../agent/agent-options.js';
import type { CallControl } from '../call/call-control.js';
import type { Logger } from '../log/logger.js';
import type { ToolRunner } from '../tools/tool-runner.js';
import type { ToolContext } from '../tools/tool.js';
import type { TypedEmitter } from '../util/typed-emitter.js';
import type { CallSessionEvents, TranscriptEntry } from './call-session.js';
import type { ConversationHistory } from './conversation/conversation-history.js';
import type { UsageMeter } from './usage/usage-meter.js';

/**
 * What every part of one call shares: the agent, the conversation, the tools, the events and
 * the call's lifetime. Built by `createCallSession` (or `createTextSession`) and handed to
 * the mode that runs the call (pipeline, engine bridge, text).
 */
export interface SessionContext {
  readonly agent: AgentOptions;
  readonly logger: Logger;
  readonly variables: Readonly<Record<string, string>>;
  readonly history: ConversationHistory;
  readonly tools: ToolRunner;
  readonly control: CallControl;
  readonly events: TypedEmitter<CallSessionEvents>;
  readonly usage: UsageMeter;
  /** Aborted when the call ends: every request of the call hangs off it. */
  readonly signal: AbortSignal;
  readonly callId: () => string;
  /** The call's transcript log (for `callEnd`); also emits `transcript`. */
  readonly recordTranscript: (entry: Omit<TranscriptEntry, 'at'>) => void;
  /** Replaces the latest assistant entry whose text is `original` (empty `corrected` removes it). */
  readonly correctTranscript: (original: string, corrected: string) => void;
  /** The context a tool, hook or `onMessage` receives, under `signal`. */
  readonly toolContext: (signal: AbortSignal) => ToolContext;
}
