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
export const createTextMode = (context: SessionContext, transport: CallTransport, channel: TextChannel): SessionMode =>
  new TextMode(context, transport, channel);

class TextMode implements SessionMode {
  private readonly source;
  private offs: (() => void)[] = [];
  private current: AbortController | undefined;

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
    this.context.history.addAssistant(text);
    this.context.recordTranscript({ role: 'assistant', text });
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
    this.current?.abort();
    await this.source.close?.().catch(() => {});
  }

  private turn(turn: UserTurn): void {
    const { context } = this;
    if (turn.text.trim() === '' || context.signal.aborted) return;
    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    context.history.addUser(turn.source === 'dtmf' ? `[keypad] ${turn.text}` : turn.text);
    context.recordTranscript({ role: 'user', text: turn.text });
    const signal = AbortSignal.any([controller.signal, context.signal]);
    void streamReply(context, this.source, turn, signal, { sentence: (s) => this.channel.sendText(s) }).then(
      (round) => {
        const said = round.join(' ');
        context.history.addAssistant(said);
        if (said !== '') context.recordTranscript({ role: 'assistant', text: said });
      },
      (err: unknown) => {
        if (!signal.aborted) context.logger.error({ err, callId: context.callId() }, 'text reply failed');
      },
    );
  }
}
