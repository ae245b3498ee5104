import type { AgentOptions } from '../../agent/agent-options.js';
import type { CallControl } from '../../call/call-control.js';
import type { CallEndReason } from '../../carrier/call-transport.js';
import type { TextChannel } from '../../carrier/text-channel.js';
import type { ChatMessage } from '../../llm/chat-message.js';
import type { Logger } from '../../log/logger.js';
import { AsyncQueue } from '../../util/async-queue.js';
import type { CallEndSummary, CallSessionEvents } from '../call-session.js';
import { createCallSession } from '../create-call-session.js';
import type { UserTurn } from '../reply/reply-source.js';
import { substituteVariables } from '../substitute-variables.js';
import { TextOnlyTransport } from './text-only-transport.js';

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
  /** The first message (variables filled in); undefined if none. */
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
 * Runs an agent's conversation — history, tools (with `transfer_call` / `end_call`),
 * `onMessage`, guardrails, variables, the end-of-call summary — as a call whose carrier leg
 * carries text instead of audio: the same call session as a phone call (in text mode, the
 * agent's STT, TTS and engine set aside), so a conversation tried here behaves the same on the
 * phone.
 */
export function createTextSession(options: TextSessionOptions): TextSession {
  const callId = options.callId ?? `test-${Math.random().toString(36).slice(2, 10)}`;
  const { stt: _stt, tts: _tts, engine: _engine, ...agent } = options.agent;
  const transport = new TextOnlyTransport({ callId, onTransfer: options.onTransfer, onDtmf: options.onDtmf });
  /** The reply being read by the current `send`. */
  let replying: AsyncQueue<string> | undefined;
  const listeners = new Set<(text: string) => void>();
  const channel: TextChannel = {
    onText(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    // Everything the agent says while a reply is read is part of it (a tool announcing a transfer).
    sendText: (text) => replying?.push(text),
    replyEnded(error) {
      const out = replying;
      replying = undefined;
      if (error === undefined) out?.end();
      else out?.fail(error);
    },
  };
  const session = createCallSession({
    agent,
    transport,
    text: channel,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.variables ? { overrides: { variables: options.variables } } : {}),
  });
  // The session starts (and says its greeting) in a microtask: turns typed before then wait for it.
  const started = new Promise<void>((resolve) => session.on('callStart', () => queueMicrotask(resolve)));

  const send = (text: string, source: UserTurn['source'] = 'text'): AsyncIterable<string> => {
    const out = new AsyncQueue<string>(1000);
    if (transport.ended) {
      out.end();
      return out;
    }
    void started.then(() => {
      if (transport.ended) return out.end();
      // A newer turn cuts the reply still running (as on a call).
      replying?.end();
      replying = out;
      if (source === 'dtmf') transport.press(text);
      else for (const listener of listeners) listener(text);
    });
    return out;
  };

  return {
    control: session.control,
    greeting: agent.firstMessage === undefined ? undefined : substituteVariables(agent.firstMessage, { ...agent.variables, ...options.variables }),
    on: (event, listener) => session.on(event, listener),
    send,
    history: () => session.history(),
    end: (reason = 'agent_hangup') => session.end(reason),
    get isEnded() {
      return transport.ended;
    },
    ended: session.ended,
  };
}
