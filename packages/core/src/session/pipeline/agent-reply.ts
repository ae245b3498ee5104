import type { HoldAudioPlayer } from '../speech/hold-audio-player.js';
import type { Utterance } from '../speech/speech-output.js';
import type { ReplySource, UserTurn } from '../reply/reply-source.js';
import { streamReply } from '../reply/reply-stream.js';
import type { SessionContext } from '../session-context.js';
import type { TurnTimer } from '../turns/turn-metrics.js';

/** The agent's reply being produced and spoken (or its greeting, or a hook's words between turns). */
export interface AgentReply {
  readonly controller: AbortController;
  readonly utterance: Utterance;
  readonly timer: TurnTimer;
  /** Sentences said before the current tool round (already in the history). */
  roundStart: number;
  done: Promise<void>;
  /** In the history (and its metrics emitted): a heard echo after this changes nothing. */
  committed: boolean;
}

export interface SpeakReplyOptions {
  /** The TTS provider's key (its characters are counted on the turn). */
  readonly ttsKey: string;
  /** Played while a tool runs long, until the next model request. */
  readonly hold: HoldAudioPlayer | undefined;
}

/**
 * Streams the reply to `turn` — model or `onMessage`, tool rounds included — sentence by sentence
 * into the reply's utterance, timing each stage on the turn's timer. Resolves with the sentences
 * of the last round (the earlier rounds are in the history with their tool calls).
 */
export function speakReply(
  context: SessionContext,
  source: ReplySource,
  turn: UserTurn,
  reply: AgentReply,
  { ttsKey, hold }: SpeakReplyOptions,
): Promise<string[]> {
  const { utterance, timer } = reply;
  const llmKey = context.agent.llm?.key ?? 'llm';
  let said = 0;
  return streamReply(
    context,
    source,
    turn,
    reply.controller.signal,
    {
      sentence: (text) => {
        said++;
        timer.addUsage(ttsKey, 'characters', text.length);
        utterance.say(text);
      },
      toolRound: () => {
        reply.roundStart = said;
        hold?.toolStarted();
      },
    },
    {
      onRequest: () => {
        hold?.toolFinished();
        timer.mark('llmRequest');
      },
      onFirstToken: () => timer.mark('llmFirstToken'),
      onFirstSentence: () => timer.mark('firstSentence'),
      onRequestEnd: (request) => timer.addRequest(request),
      onUsage: (usage) => {
        timer.addUsage(llmKey, 'inputTokens', usage.inputTokens);
        timer.addUsage(llmKey, 'outputTokens', usage.outputTokens);
      },
    },
  );
}
