import type { AudioFormat } from '../audio/audio-format.js';
import type { Logger } from '../log/logger.js';
import type { CallDirection, CallTransport } from './call-transport.js';
import type { WebSocket } from '../net/connect-web-socket.js';
import type { WebhookChange, WebhookTarget } from './webhook-change.js';

/** An HTTP request as the server hands it to a carrier route. */
export interface CarrierHttpRequest {
  readonly method: string;
  /** The full public URL the carrier called (scheme/host from `webhookUrl`), for signatures. */
  readonly url: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly rawBody: Buffer;
  readonly remoteAddress: string | undefined;
}

export interface CarrierHttpResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface CarrierRoute {
  readonly method: 'GET' | 'POST';
  /** Path below the server root, e.g. `/twilio/voice`. */
  readonly path: string;
  handle(request: CarrierHttpRequest): Promise<CarrierHttpResponse>;
}

/** Answering-machine detection outcome, carrier-neutral. */
export type MachineDetectionResult = 'human' | 'machine' | 'fax' | 'unknown';

/** What happened to a call, reported by the carrier's webhooks to the server. */
export type CarrierCallEvent =
  | { readonly type: 'status'; readonly callId: string; readonly callRef?: string; readonly status: string }
  | {
      readonly type: 'machineDetection';
      readonly callId: string;
      readonly callRef?: string;
      readonly result: MachineDetectionResult;
      /** The greeting ended (beep or silence): a voicemail can be spoken now. */
      readonly greetingEnded: boolean;
    }
  | { readonly type: 'recording'; readonly callId: string; readonly callRef?: string; readonly url: string; readonly durationSeconds?: number }
  | { readonly type: 'ended'; readonly callId: string; readonly callRef?: string; readonly reason: string };

/** What the server lends a carrier: URLs, stream tokens, a logger and an event sink. */
export interface CarrierHost {
  /** Public base URL the carrier reaches us at (`https://example.com`). */
  readonly publicUrl: string;
  readonly logger: Logger;
  /** Aborted when the server closes: carriers stop their timers (e.g. a `RateLimitedLog`'s). */
  readonly signal?: AbortSignal;
  /**
   * The media-stream WebSocket URL (wss) for a call, carrying a short-lived signed token bound
   * to `callRef`. Called from inbound webhooks (with a fresh ref) and when dialing out.
   */
  streamUrl(callRef: string): string;
  /** A fresh call reference for an inbound call. */
  newCallRef(): string;
  /** Whether the server takes another call (false while shutting down or at capacity). */
  acceptingCalls(): boolean;
  onCallEvent(event: CarrierCallEvent): void;
}

export interface StreamContext {
  readonly callRef: string;
  readonly logger: Logger;
  readonly direction: CallDirection;
}

export interface OutboundCallRequest {
  readonly to: string;
  readonly from: string;
  readonly callRef: string;
  /** wss URL with the call's token, from `CarrierHost.streamUrl`. */
  readonly streamUrl: string;
  readonly machineDetection?: boolean;
  readonly signal?: AbortSignal;
}

/** Which calls `Carrier.findCalls` looks for: placed to `to` from `from`, created at or after `since`. */
export interface CarrierCallQuery {
  readonly to: string;
  readonly from: string;
  /** ms epoch. */
  readonly since: number;
  readonly signal?: AbortSignal;
}

/** A call as the carrier's REST API lists it. */
export interface CarrierCallRecord {
  readonly callId: string;
  /**
   * Twilio's status words, whatever the carrier: `queued`, `ringing`, `in-progress` while live;
   * `completed`, `busy`, `no-answer`, `failed`, `canceled` once over.
   */
  readonly status: string;
  /** Who answered, when answering-machine detection ran. */
  readonly answeredBy?: MachineDetectionResult;
}

/**
 * A telephony carrier: its webhooks, its media stream and its REST call control. The server
 * is carrier-neutral; everything Twilio- or Telnyx-specific lives behind this interface.
 */
export interface Carrier {
  /** `twilio`, `telnyx`, `devphone`. */
  readonly key: string;
  /** The media format on the carrier's stream. */
  readonly mediaFormat: AudioFormat;
  /** The path of the media-stream WebSocket, e.g. `/twilio/stream`. */
  readonly streamPath: string;
  /**
   * The carrier calls this server from the internet (Twilio, Telnyx): the server then needs a
   * public `webhookUrl` unless it listens on loopback only. False or absent for the dev phone.
   */
  readonly needsPublicUrl?: boolean;
  /** Webhook routes to mount; called once when the server starts. */
  routes(host: CarrierHost): readonly CarrierRoute[];
  /** Wrap a media-stream WebSocket whose token the server has already verified. */
  acceptStream(socket: WebSocket, context: StreamContext): CallTransport;
  /** Dial out; resolves with the carrier's call id. */
  placeCall(request: OutboundCallRequest): Promise<{ readonly callId: string }>;
  /**
   * Calls the account placed to `query.to` from `query.from` since `query.since`, newest first,
   * ended ones included. Optional: a fleet uses it to learn whether a dial whose answer was lost
   * created a call, so the call is never placed twice; without it such a dial counts as failed.
   */
  findCalls?(query: CarrierCallQuery): Promise<readonly CarrierCallRecord[]>;
  /**
   * Zero-touch setup: point the number's inbound webhook at `target.publicUrl` (only what is not
   * already right), and report every setting it checked. Called on start only when asked
   * (`serve({ autoConfigure: true })`); rejects naming what could not be configured. Nothing is
   * restored on shutdown.
   */
  configureWebhooks?(target: WebhookTarget): Promise<readonly WebhookChange[]>;
}
