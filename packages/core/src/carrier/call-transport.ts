import type { AudioFormat } from '../audio/audio-format.js';
import type { CallFailure } from '../session/call-failure.js';

export type CallDirection = 'inbound' | 'outbound';

/** What the carrier told us about the call when its media stream started. */
export interface CallInfo {
  /** Carrier's call id (Twilio CallSid, Telnyx call_control_id). */
  readonly callId: string;
  /** Patter's own reference for the call, bound into the stream token. */
  readonly callRef: string;
  readonly streamId?: string;
  readonly carrier: string;
  readonly direction: CallDirection;
  readonly from?: string;
  readonly to?: string;
  /** Custom parameters the webhook put on the stream (Twilio `<Parameter>`, Telnyx client_state). */
  readonly parameters: Readonly<Record<string, string>>;
}

/** Why a call ended. */
export type CallEndReason =
  | 'caller_hangup'
  | 'agent_hangup'
  | 'transfer'
  | 'voicemail'
  | 'error'
  | 'shutdown'
  | 'timeout'
  /** The media stream broke the WebSocket protocol (e.g. a message over the server's `maxMessageBytes`). */
  | 'protocol_error'
  /** The media socket dropped without the carrier's stop (network loss, carrier crash). */
  | 'media_lost'
  | (string & {});

/** Events a transport emits. Audio is in the transport's `format`. */
export interface CallTransportEvents extends Record<string, unknown> {
  start: CallInfo;
  audio: Uint8Array;
  dtmf: string;
  /**
   * A mark placed with `mark()` has been played by the carrier (for observers; the one who placed
   * it awaits the promise `mark()` returned). Not emitted for the transport's own marks.
   */
  mark: string;
  /** The media stream ended. Emitted once. */
  stop: { readonly reason: CallEndReason };
}

/**
 * One call's media stream, carrier-neutral. Built by a `Carrier` from its WebSocket. Audio
 * out may be any length: the transport cuts it into the carrier's frame size and paces it.
 * Malformed or out-of-order carrier messages are logged and dropped, never thrown.
 *
 * The transport owns the one timeline of what the caller hears: ms of outbound audio since the
 * last `clear()`, frame padding included. `positionMs()` is where the audio queued so far ends on
 * it, `playedMs()` how far the carrier has played; everything else (which text was heard at a
 * barge-in, when a reply started to be heard) reads these two and the promises of `mark()`.
 */
export interface CallTransport {
  readonly carrier: string;
  /** The media format both ways (μ-law 8 kHz on Twilio). */
  readonly format: AudioFormat;
  /** Set once the `start` event fired. */
  readonly info: CallInfo | undefined;
  on<K extends keyof CallTransportEvents>(event: K, listener: (payload: CallTransportEvents[K]) => void): () => void;
  /** Queue audio for playback (in `format`). */
  sendAudio(audio: Uint8Array): void;
  /**
   * Place a named mark after the audio queued so far (a partial last frame before it is padded
   * with silence, so `positionMs()` after this call is the mark's place on the timeline). The
   * promise resolves true once the carrier echoed it as played (the `mark` event fires then too),
   * false when a `clear()` dropped it or the call ended; it never rejects. Names must be unique
   * among the marks not yet echoed.
   */
  mark(name: string): Promise<boolean>;
  /** Drop all queued and carrier-buffered audio (barge-in); marks not yet played resolve false. */
  clear(): void;
  /**
   * The timeline position (ms since the last `clear()`) at the end of what was queued so far,
   * padding included; `playedMs()` reaches it once all of it has been played.
   */
  positionMs(): number;
  /** Milliseconds of the timeline played since the last `clear()` (from marks, interpolated by clock). */
  playedMs(): number;
  /** Milliseconds queued or sent and not yet played (`positionMs() - playedMs()`). */
  pendingMs(): number;
  /** Resolves when everything queued so far has been played (or the call ended): a mark of the transport's own. */
  drained(): Promise<void>;
  /** Send DTMF digits (`0-9*#A-D`, `w` = 0.5 s pause) to the far end. */
  sendDtmf(digits: string): Promise<void>;
  /** Transfer the caller to `to` (E.164 or SIP URI). The caller's allowlist is checked by the session. */
  transfer(to: string): Promise<void>;
  /** Start recording the call at the carrier (optional; the result arrives as a `recording` call event). */
  startRecording?(): Promise<void>;
  /** Hang up. Idempotent: hanging up an ended call resolves quietly. */
  hangup(): Promise<void>;
  /** Close the media stream locally (after a hangup, or on shutdown). */
  close(reason?: CallEndReason, failure?: CallFailure): void;
}
