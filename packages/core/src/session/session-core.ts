import type { AgentOptions } from '../agent/agent-options.js';
import type { CallControl } from '../call/call-control.js';
import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import { ToolRunner } from '../tools/tool-runner.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { CallSessionEvents } from './call-session.js';
import { Conversation } from './conversation/conversation.js';
import type { SessionContext } from './session-context.js';
import { substituteVariables } from './substitute-variables.js';
import { withDefaultPricing } from './usage/pricing.js';
import { UsageMeter } from './usage/usage-meter.js';

export interface SessionCoreOptions {
  readonly agent: AgentOptions;
  readonly logger?: Logger;
  readonly variables?: Readonly<Record<string, string>>;
  readonly callId: () => string;
  /** Built once the context exists (the control needs the session, the context needs the control). */
  readonly control: (core: SessionCore) => CallControl;
}

/**
 * The mode-independent state of one call, shared by the phone session and the text session:
 * variables, history, tools, events, usage, transcript and the call's abort signal.
 */
export class SessionCore {
  readonly context: SessionContext;
  readonly events: TypedEmitter<CallSessionEvents>;
  readonly conversation: Conversation;
  readonly controller = new AbortController();
  readonly variables: Readonly<Record<string, string>>;

  constructor(options: SessionCoreOptions) {
    const { agent } = options;
    const logger = options.logger ?? silentLogger;
    this.variables = { ...agent.variables, ...options.variables };
    this.events = new TypedEmitter<CallSessionEvents>((err, event) =>
      logger.warn({ err, event, callId: options.callId() }, 'session event listener threw'),
    );
    const prompt = agent.systemPrompt === undefined ? undefined : substituteVariables(agent.systemPrompt, this.variables);
    this.conversation = new Conversation(prompt, this.events);
    const tools = new ToolRunner(agent.tools ?? []);
    // The running usage, once per batch of changes (a response's token fields come together),
    // for whoever follows it live (the telemetry's cost counters); nothing without a listener.
    let usageQueued = false;
    const usage = new UsageMeter(() => {
      if (usageQueued || this.events.listenerCount('usage') === 0) return;
      usageQueued = true;
      queueMicrotask(() => {
        usageQueued = false;
        this.events.emit('usage', { usage: usage.snapshot(), cost: usage.cost(withDefaultPricing(agent.pricing)) });
      });
    });
    const signal = this.controller.signal;
    let control: CallControl | undefined;
    const context: SessionContext = {
      agent,
      logger,
      variables: this.variables,
      conversation: this.conversation,
      tools,
      get control(): CallControl {
        return control as CallControl;
      },
      events: this.events,
      usage,
      signal,
      callId: options.callId,
      toolContext: (toolSignal) => ({
        call: control as CallControl,
        callId: options.callId(),
        variables: this.variables,
        signal: toolSignal,
        logger,
      }),
    };
    this.context = context;
    control = options.control(this);
  }

  /** `{variables}` filled in. */
  substitute(text: string | undefined): string | undefined {
    return text === undefined ? undefined : substituteVariables(text, this.variables);
  }
}
