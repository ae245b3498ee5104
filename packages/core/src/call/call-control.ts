/**
 * The handle on a live call that the session, tools, hooks and user callbacks all receive.
 */
export interface CallControl {
  readonly callId: string;
  readonly callRef: string;
  readonly carrier: string;
  /** Transfer the caller (checked against the agent's transfer allowlist; refused → throws). */
  transfer(to: string): Promise<void>;
  /** Hang up, after the audio already queued has played unless `immediate`. Idempotent. */
  hangup(options?: {
    readonly immediate?: boolean;
    readonly reason?: string;
    /** The failure that ends the call (with reason `error`): reported in the call-end summary, without secrets. */
    readonly error?: unknown;
  }): Promise<void>;
  sendDtmf(digits: string): Promise<void>;
  /** Speak `text` verbatim in the agent's voice (its TTS or engine). */
  say(text: string): Promise<void>;
  readonly ended: boolean;
}
