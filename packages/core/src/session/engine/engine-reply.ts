import type { CallTransport } from '../../carrier/call-transport.js';
import type { Conversation } from '../conversation/conversation.js';
import { playedPrefix } from '../speech/played-prefix.js';

/**
 * The longest a wait for the engine to finish a reply lasts: below `transfer_call`'s 30 s tool
 * timeout, so even a reply that never ends cannot fail a transfer.
 */
export const REPLY_WAIT_MS = 20_000;

/**
 * The engine's reply as the caller hears it. The engine's text runs ahead of the carrier's
 * playback, so — like the pipeline — a reply reaches the history and transcript once heard: in
 * full when its audio has drained, cut to the heard share at a barge-in (from the carrier's
 * played position against where the reply's audio began).
 */
export class EngineReply {
  /**
   * A reply is under way: from its first audio or final text (ElevenLabs sends the text first)
   * until the engine says it has finished generating it (`responseDone`) or it is cut.
   */
  generating = false;
  /** Carrier position (played + pending ms) when the current reply's audio began. */
  private baseline: number | undefined;
  /**
   * The same for the last reply, kept after the engine finished generating it (`responseDone`
   * comes long before the carrier has played it) until the next reply or an interruption.
   */
  private lastBaseline: number | undefined;
  private waiters: (() => void)[] = [];
  /** The engine's final text of the reply still playing. */
  private held: string | undefined;
  /** A barge-in that came before its reply's final text: the share of the reply that was heard. */
  private heardShareOfNext: number | undefined;
  private closed = false;

  constructor(
    private readonly transport: CallTransport,
    private readonly conversation: Conversation,
  ) {}

  /** The reply's audio has begun (reply audio, not hold audio). */
  get audible(): boolean {
    return this.baseline !== undefined;
  }

  /** The text of the reply still playing (a resumed session is told it was said). */
  get heldText(): string | undefined {
    return this.held;
  }

  /** Reply audio is about to go to the carrier. */
  onAudio(): void {
    if (this.baseline === undefined) {
      this.baseline = this.transport.positionMs();
      this.lastBaseline = this.baseline;
      if (!this.generating) this.heardShareOfNext = undefined;
    }
    this.generating = true;
  }

  /** The engine's final text of a reply. */
  onText(text: string): void {
    if (this.heardShareOfNext !== undefined) {
      const share = this.heardShareOfNext;
      this.heardShareOfNext = undefined;
      this.commit(playedPrefix(text, share));
      return;
    }
    if (this.held !== undefined) this.commit(this.held);
    // The text may come before its audio (ElevenLabs) or with it (OpenAI): either way the reply
    // is under way, and it is recorded once generated and played.
    this.generating = true;
    this.held = text;
    void this.commitOnceHeard(text);
  }

  /** The engine corrected a reply's text (cut at its own barge-in). */
  onCorrection(original: string, corrected: string): void {
    if (this.held === original) this.held = corrected;
    else this.conversation.correctAgent(original, corrected);
  }

  /** The engine finished generating the reply (or its session dropped). */
  onDone(): void {
    this.baseline = undefined;
    this.generating = false;
    this.releaseWaiters();
  }

  /** Of the current (or last) reply, the ms the caller heard so far. */
  heardMs(): number {
    const baseline = this.baseline ?? this.lastBaseline ?? this.transport.playedMs();
    return Math.max(0, this.transport.playedMs() - baseline);
  }

  /** Of the reply's audio so far (played + queued), the share the caller has heard (1 when none). */
  heardShare(): number {
    const baseline = this.baseline ?? this.lastBaseline;
    if (baseline === undefined) return 1;
    const played = Math.max(0, this.transport.playedMs() - baseline);
    const total = played + this.transport.pendingMs();
    return total > 0 ? played / total : 1;
  }

  /**
   * A barge-in cleared the carrier: keep `share` of the reply's text (text still to come is cut
   * to that share when it arrives).
   */
  cut(share: number): void {
    const open = this.generating || this.baseline !== undefined;
    if (this.held !== undefined) this.commit(playedPrefix(this.held, share));
    else if (open) this.heardShareOfNext = share;
    this.baseline = this.lastBaseline = undefined;
    this.generating = false;
    this.releaseWaiters();
  }

  /** Resolves when the reply under way is generated (or cut), at the latest after `timeoutMs`. */
  nextDone(timeoutMs = REPLY_WAIT_MS): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, timeoutMs));
      timer.unref();
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The call ended while the reply played: it stands as said (only a barge-in cuts a reply). */
  close(): void {
    if (this.held !== undefined) this.commit(this.held);
    this.closed = true;
    this.releaseWaiters();
  }

  private async commitOnceHeard(text: string): Promise<void> {
    while (this.held === text && !this.closed && (this.generating || this.transport.pendingMs() > 0)) {
      if (this.generating) await this.nextDone();
      else await this.transport.drained();
    }
    if (this.held === text && !this.closed) this.commit(text);
  }

  private commit(text: string): void {
    this.held = undefined;
    if (text !== '') this.conversation.addAgent(text);
  }

  private releaseWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const release of waiters) release();
  }
}
