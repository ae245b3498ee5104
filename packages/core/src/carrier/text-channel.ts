/**
 * Typed text both ways beside a call's media stream, for a client that carries text (a browser
 * test page, a chat widget). Given to `createCallSession({ text })`: an agent without voice
 * providers then converses over it. Not part of `CallTransport`: carriers never carry text.
 */
export interface TextChannel {
  /** Listen to text the person typed; returns the unsubscribe function. */
  onText(listener: (text: string) => void): () => void;
  /** Show one of the agent's replies (a sentence at a time). */
  sendText(text: string): void;
  /**
   * The reply to the last text is over: every sentence was sent, or the call ended during it
   * (`error`: it failed part-way). Not called for a reply cut short by a newer text.
   */
  replyEnded?(error?: unknown): void;
}
