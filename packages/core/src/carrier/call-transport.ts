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
  /** A mark the session placed has been played by the carrier. */
  mark: string;
  /** The media stream ended. Emitted once. */
  stop: { readonly reason: CallEndReason };
}

/**
 * One call's media stream, carrier-neutral. Built by a `Carrier` from its WebSocket. Audio
 * out may be any length: the transport cuts it into the carrier's frame size and paces it.
 * Malformed or out-of-order carrier messages are logged and dropped, never thrown.
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
  /** Place a named mark after the audio queued so far; `mark` fires when it has been played. */
  mark(name: string): void;
  /** Drop all queued and carrier-buffered audio (barge-in). */
  clear(): void;
  /** Milliseconds of audio played since the last `clear()` (from marks, interpolated by clock). */
  playedMs(): number;
  /** Milliseconds queued or sent and not yet played. */
  pendingMs(): number;
  /** Resolves when everything queued so far has been played (or the call ended). */
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
