import type { CallTransport } from '../../carrier/call-transport.js';
import type { TextChannel } from '../../carrier/text-channel.js';
import { createReplySource } from '../reply/create-reply-source.js';
import type { UserTurn } from '../reply/reply-source.js';
import { streamReply } from '../reply/reply-stream.js';
import type { SessionContext } from '../session-context.js';
import type { SessionMode } from '../session-mode.js';

/**
 * Text mode: an agent without voice providers (no `engine`, `stt` or `tts`) on a call that has a
 * text channel beside its transport. Typed text and keypad digits are the caller's turns; the
 * reply — the LLM with its tools, or `onMessage` — goes back sentence by sentence through
 * `channel.sendText`. One reply at a time; a new turn aborts the one still running.
 */
export class TextMode implements SessionMode {
  private readonly source;
  private offs: (() => void)[] = [];
  private current: AbortController | undefined;
  /** The current reply is running a tool round. */
  private toolsRunning = false;

  constructor(
    private readonly context: SessionContext,
    private readonly transport: CallTransport,
    private readonly channel: TextChannel,
  ) {
    this.source = createReplySource(context);
  }

  listen(): void {
    if (this.offs.length > 0) return;
    this.offs = [
      this.channel.onText((text) => this.turn({ text, source: 'text' })),
      this.transport.on('dtmf', (digit) => this.turn({ text: digit, source: 'dtmf' })),
    ];
  }

  async say(text: string): Promise<void> {
    this.context.conversation.addAgent(text);
    this.channel.sendText(text);
  }

  /**
   * Text has no playback: every sentence went to the page when it was produced, so nothing is
   * queued. (Waiting for the running reply would deadlock a `transfer_call` / `end_call` made
   * from inside that reply, which waits here before it transfers or hangs up.)
   */
  waitForPlayback(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    for (const off of this.offs) off();
    this.offs = [];
    // A tool of the running reply ended the call (end_call, transfer_call): its round finishes —
    // the result and the `toolCall` event are part of the conversation — and the reply source
    // stops there, since the call has ended. Otherwise the reply is cut at once.
    if (!this.toolsRunning) this.current?.abort();
    await this.source.close?.().catch(() => {});
  }

  private turn(turn: UserTurn): void {
    const { context } = this;
    if (turn.text.trim() === '' || context.signal.aborted) return;
    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    context.conversation.addUser(turn.text, turn.source);
    this.toolsRunning = false;
    // Not AbortSignal.any() with the call's signal (its dependent set grows with every turn): close() aborts.
    const signal = controller.signal;
    const sink = { sentence: (s: string) => this.channel.sendText(s), toolRound: () => (this.toolsRunning = true) };
    const hooks = { onRequest: () => (this.toolsRunning = false) };
    void streamReply(context, this.source, turn, signal, sink, hooks).then(
      (round) => {
        context.conversation.addAgent(round.join(' '));
        if (this.current === controller) this.channel.replyEnded?.();
      },
      (err: unknown) => {
        if (this.current !== controller) return;
        if (signal.aborted) return this.channel.replyEnded?.();
        context.logger.error({ err, callId: context.callId() }, 'text reply failed');
        this.channel.replyEnded?.(err);
      },
    );
  }
}
