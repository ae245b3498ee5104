import type { AgentOptions } from '../../agent/agent-options.js';
import type { CallControl } from '../../call/call-control.js';
import type { CallEndReason } from '../../carrier/call-transport.js';
import type { ChatMessage } from '../../llm/chat-message.js';
import type { Logger } from '../../log/logger.js';
import { AsyncQueue } from '../../util/async-queue.js';
import type { CallEndSummary, CallSessionEvents } from '../call-session.js';
import { createCallControl } from '../call-control.js';
import { createReplySource } from '../reply/create-reply-source.js';
import { withDefaultPricing } from '../usage/pricing.js';
import type { UserTurn } from '../reply/reply-source.js';
import { streamReply } from '../reply/reply-stream.js';
import { SessionCore } from '../session-core.js';

export interface TextSessionOptions {
  readonly agent: AgentOptions;
  readonly variables?: Readonly<Record<string, string>>;
  readonly logger?: Logger;
  /** Default `test-<random>`. */
  readonly callId?: string;
  /** Called when the agent (or `/transfer`) transfers the call, after the allowlist check. */
  readonly onTransfer?: (to: string) => void;
  /** Called when the agent speaks DTMF digits. */
  readonly onDtmf?: (digits: string) => void;
}

/** A call without audio: typed text in, the agent's sentences out (test mode). */
export interface TextSession {
  readonly control: CallControl;
  /** The first message (variables filled in), already in the history; undefined if none. */
  readonly greeting: string | undefined;
  on<K extends keyof CallSessionEvents>(event: K, listener: (payload: CallSessionEvents[K]) => void): () => void;
  /** The caller's turn; yields the agent's reply sentence by sentence. */
  send(text: string, source?: UserTurn['source']): AsyncIterable<string>;
  /** The conversation as the model sees it. */
  history(): readonly ChatMessage[];
  end(reason?: CallEndReason): Promise<void>;
  readonly isEnded: boolean;
  readonly ended: Promise<CallEndSummary>;
}

/**
 * Runs an agent's conversation logic — history, tools (with `transfer_call` / `end_call`),
 * `onMessage`, guardrails, variables — with text instead of a carrier, STT and TTS. The same
 * reply path as a phone call, so a conversation tried here behaves the same on the phone.
 */
export function createTextSession(options: TextSessionOptions): TextSession {
  const { agent } = options;
  const callId = options.callId ?? `test-${Math.random().toString(36).slice(2, 10)}`;
  const startedAt = Date.now();
  let finished = false;
  let replying: AsyncQueue<string> | undefined;
  let resolveEnded: (summary: CallEndSummary) => void = () => {};
  const ended = new Promise<CallEndSummary>((resolve) => {
    resolveEnded = resolve;
  });

  const end = async (reason: CallEndReason = 'agent_hangup'): Promise<void> => {
    if (finished) return;
    finished = true;
    core.controller.abort();
    await source.close?.().catch(() => {});
    const summary: CallEndSummary = {
      callId,
      callRef: callId,
      reason,
      startedAt,
      durationMs: Date.now() - startedAt,
      transcript: core.transcript.slice(),
      usage: core.context.usage.snapshot(),
      cost: core.context.usage.cost(withDefaultPricing(agent.pricing)),
    };
    core.events.emit('callEnd', summary);
    resolveEnded(summary);
  };

  const core: SessionCore = new SessionCore({
    agent,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.variables ? { variables: options.variables } : {}),
    callId: () => callId,
    control: (c) =>
      createCallControl(
        {
          carrier: 'test',
          info: () => ({ callId, callRef: callId, carrier: 'test', direction: 'inbound', parameters: {} }),
          ended: () => finished,
          logger: c.context.logger,
          transfer: async (to) => options.onTransfer?.(to),
          sendDtmf: async (digits) => options.onDtmf?.(digits),
          say: async (text) => {
            c.context.history.addAssistant(text);
            c.context.recordTranscript({ role: 'assistant', text });
            // Words said from inside a reply (a tool or onMessage announcing a transfer) are part of it.
            replying?.push(text);
          },
          waitForPlayback: async () => {},
          end,
        },
        agent.transferAllowlist,
      ),
  });
  const { context } = core;
  const source = createReplySource(context);
  const greeting = core.substitute(agent.firstMessage);
  core.events.emit('callStart', { callId, callRef: callId, carrier: 'test', direction: 'inbound', parameters: {} });
  if (greeting) {
    context.history.addAssistant(greeting);
    context.recordTranscript({ role: 'assistant', text: greeting });
  }

  const send = (text: string, kind: UserTurn['source'] = 'text'): AsyncIterable<string> => {
    const out = new AsyncQueue<string>(1000);
    if (finished) {
      out.end();
      return out;
    }
    const turn: UserTurn = { text, source: kind };
    context.history.addUser(kind === 'dtmf' ? `[keypad] ${text}` : text);
    context.recordTranscript({ role: 'user', text });
    // Tools may end the session mid-reply; the reply still runs under its own signal.
    const signal = new AbortController().signal;
    replying = out;
    const done = (): void => {
      if (replying === out) replying = undefined;
    };
    void streamReply(context, source, turn, signal, { sentence: (sentence) => out.push(sentence) }).then(
      (round) => {
        done();
        const said = round.join(' ');
        context.history.addAssistant(said);
        if (said !== '') context.recordTranscript({ role: 'assistant', text: said });
        out.end();
      },
      (err: unknown) => {
        done();
        out.fail(err);
      },
    );
    return out;
  };

  return {
    control: context.control,
    greeting,
    on: (event, listener) => core.events.on(event, listener),
    send,
    history: () => context.history.messages(),
    end,
    get isEnded() {
      return finished;
    },
    ended,
  };
}
