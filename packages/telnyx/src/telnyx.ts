import type { KeyObject } from 'node:crypto';
import {
  ALAW_8K,
  ConfigError,
  MULAW_8K,
  type AudioFormat,
  type CallTransport,
  type Carrier,
  type CarrierHost,
  type CarrierRoute,
  type OutboundCallRequest,
  type StreamContext,
  type WebhookChange,
  type WebhookTarget,
} from '@patter/core';
import {
  joinUrl,
  normalizeBaseUrl,
  rejectUnknownOptions,
  resolveApiKey,
  StreamCallTransport,
  framesPerMessage,
  type DtmfToneOptions,
  type WebSocket,
} from '@patter/core/plugin';
import { encodeClientState } from './telnyx-client-state.js';
import { TelnyxMediaCodec } from './telnyx-media-codec.js';
import { configureTelnyxNumber } from './configure-telnyx-number.js';
import { TelnyxRest, telnyxErrorCodes, type TelnyxRestOptions } from './telnyx-rest.js';
import { telnyxPublicKey } from './telnyx-signature.js';
import { TELNYX_PATHS, telnyxRoutes } from './telnyx-webhooks.js';

export type TelnyxCodec = 'PCMU' | 'PCMA';
export type TelnyxMachineDetection = 'greeting_end' | 'detect' | 'detect_beep' | 'detect_words' | 'premium';

export interface TelnyxOptions {
  /** API key (Bearer). Default: `TELNYX_API_KEY`. */
  readonly apiKey?: string;
  /** Webhook public key from the portal (base64 of the raw 32-byte Ed25519 key). Default: `TELNYX_PUBLIC_KEY`. */
  readonly publicKey?: string;
  /** Call Control application id, needed to dial out. Default: `TELNYX_CONNECTION_ID`. */
  readonly connectionId?: string;
  /** REST API base, e.g. a proxy. */
  readonly baseUrl?: string;
  /** Media codec both ways on the stream (bidirectional RTP mode). */
  readonly codec?: TelnyxCodec;
  /** AMD mode for outbound calls with machine detection; `greeting_end` reports the end of the greeting. */
  readonly machineDetection?: TelnyxMachineDetection;
  /** Seconds an outbound call rings before giving up (5–600). */
  readonly ringTimeoutSecs?: number;
  /** Accepted webhook clock skew, seconds. */
  readonly signatureToleranceSecs?: number;
  /** Extra values carried in `client_state`; they arrive in `CallInfo.parameters`. */
  readonly streamParameters?: Readonly<Record<string, string>>;
  /** How far ahead of real time agent audio is sent, ms. */
  readonly leadMs?: number;
  /**
   * Agent audio per outbound media message, ms (a multiple of 20, up to 200): 20 ms frames due
   * together go out as one message, so one socket write carries them. Default 100 (ten messages a second; Telnyx takes 20 ms to 30 s per message).
   */
  readonly messageMs?: number;
  /** REST request timeout, ms. */
  readonly requestTimeoutMs?: number;
  /** In-band DTMF timing. */
  readonly dtmf?: DtmfToneOptions;
}

/** Every option of `TelnyxOptions`; the type makes the compiler refuse a list that misses one. */
const OPTION_KEYS = new Set(Object.keys({
  apiKey: true,
  publicKey: true,
  connectionId: true,
  baseUrl: true,
  codec: true,
  machineDetection: true,
  ringTimeoutSecs: true,
  signatureToleranceSecs: true,
  streamParameters: true,
  leadMs: true,
  messageMs: true,
  requestTimeoutMs: true,
  dtmf: true,
} satisfies Record<keyof TelnyxOptions, true>));

export const DEFAULTS = Object.freeze({
  baseUrl: 'https://api.telnyx.com/v2',
  codec: 'PCMU' as const,
  machineDetection: 'greeting_end' as const,
  ringTimeoutSecs: 60,
  signatureToleranceSecs: 300,
  leadMs: 80,
  messageMs: 100,
  requestTimeoutMs: 15_000,
});

const MACHINE_MODES = new Set(['greeting_end', 'detect', 'detect_beep', 'detect_words', 'premium']);
/** 90018: call already ended. */
const ALREADY_ENDED = '90018';

/**
 * Telnyx as a Patter carrier: Call Control v2 webhooks (Ed25519-verified), bidirectional RTP
 * media streaming, and commands (answer, dial with AMD, hangup, transfer, recording).
 */
export class Telnyx implements Carrier {
  readonly key = 'telnyx';
  readonly mediaFormat: AudioFormat;
  readonly streamPath = TELNYX_PATHS.stream;
  readonly needsPublicUrl = true;
  private readonly publicKey: KeyObject;
  private readonly connectionId: string | undefined;
  private readonly rest: TelnyxRest;
  private readonly restOptions: TelnyxRestOptions;
  private readonly codec: TelnyxCodec;
  private readonly machineDetection: TelnyxMachineDetection;
  private readonly ringTimeoutSecs: number;
  private readonly toleranceSecs: number;
  private readonly streamParameters: Readonly<Record<string, string>>;
  private readonly leadMs: number;
  private readonly framesPerMessage: number;
  private readonly dtmf: DtmfToneOptions | undefined;
  private host: CarrierHost | undefined;
  /** Current Unix time in seconds; replaceable in tests. */
  nowSecs: () => number = () => Math.floor(Date.now() / 1000);

  constructor(options: TelnyxOptions = {}) {
    rejectUnknownOptions(options, OPTION_KEYS, 'Telnyx option');
    const apiKey = resolveApiKey(options.apiKey, 'TELNYX_API_KEY');
    this.publicKey = telnyxPublicKey(resolveApiKey(options.publicKey, 'TELNYX_PUBLIC_KEY', 'publicKey'));
    this.connectionId = options.connectionId ?? process.env.TELNYX_CONNECTION_ID;
    this.codec = options.codec ?? DEFAULTS.codec;
    if (this.codec !== 'PCMU' && this.codec !== 'PCMA') throw new ConfigError('codec', 'must be PCMU or PCMA');
    this.mediaFormat = this.codec === 'PCMU' ? MULAW_8K : ALAW_8K;
    this.machineDetection = options.machineDetection ?? DEFAULTS.machineDetection;
    if (!MACHINE_MODES.has(this.machineDetection)) throw new ConfigError('machineDetection', `must be one of ${[...MACHINE_MODES].join(', ')}`);
    this.ringTimeoutSecs = options.ringTimeoutSecs ?? DEFAULTS.ringTimeoutSecs;
    if (!(this.ringTimeoutSecs >= 5 && this.ringTimeoutSecs <= 600)) throw new ConfigError('ringTimeoutSecs', 'must be between 5 and 600');
    this.toleranceSecs = options.signatureToleranceSecs ?? DEFAULTS.signatureToleranceSecs;
    if (!(this.toleranceSecs > 0)) throw new ConfigError('signatureToleranceSecs', 'must be positive');
    this.leadMs = options.leadMs ?? DEFAULTS.leadMs;
    if (!(this.leadMs >= 0 && this.leadMs <= 1000)) throw new ConfigError('leadMs', 'must be between 0 and 1000');
    this.framesPerMessage = framesPerMessage(options.messageMs ?? DEFAULTS.messageMs);
    const timeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
    if (!(timeoutMs > 0)) throw new ConfigError('requestTimeoutMs', 'must be positive');
    this.streamParameters = options.streamParameters ?? {};
    this.dtmf = options.dtmf;
    this.restOptions = { baseUrl: normalizeBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl), apiKey, timeoutMs };
    this.rest = new TelnyxRest(this.restOptions);
  }

  routes(host: CarrierHost): readonly CarrierRoute[] {
    this.host = host;
    return telnyxRoutes(host, {
      publicKey: this.publicKey,
      toleranceSecs: this.toleranceSecs,
      nowSecs: () => this.nowSecs(),
      answer: (callControlId, callRef) =>
        this.rest.command(callControlId, 'answer', {
          ...this.streamFields(host.streamUrl(callRef)),
          client_state: encodeClientState({ ...this.streamParameters, callRef, direction: 'inbound' }),
        }),
      reject: (callControlId) => this.rest.command(callControlId, 'reject', { cause: 'USER_BUSY' }),
    });
  }

  acceptStream(socket: WebSocket, context: StreamContext): CallTransport {
    return new StreamCallTransport(socket, {
      carrier: this.key,
      format: this.mediaFormat,
      codec: new TelnyxMediaCodec(),
      commands: {
        hangup: (callId, signal) => this.hangup(callId, signal),
        transfer: (callId, to, signal) => this.transfer(callId, to, signal),
        startRecording: (callId, signal) => this.startRecording(callId, signal),
      },
      context,
      frameMs: 20,
      leadMs: this.leadMs,
      framesPerMessage: this.framesPerMessage,
      ...(this.dtmf === undefined ? {} : { dtmf: this.dtmf }),
    });
  }

  /**
   * Zero-touch setup (`serve({ autoConfigure: true })`): puts the number on the Call Control
   * application `connectionId` and points the application's `webhook_event_url` at this server's
   * webhook, changing only what differs. Nothing is restored on shutdown.
   */
  configureWebhooks(target: WebhookTarget): Promise<readonly WebhookChange[]> {
    return configureTelnyxNumber(this.restOptions, {
      phoneNumber: target.phoneNumber,
      connectionId: this.connectionId,
      webhookUrl: joinUrl(target.publicUrl, TELNYX_PATHS.webhook),
      ...(target.signal === undefined ? {} : { signal: target.signal }),
    });
  }

  async placeCall(request: OutboundCallRequest): Promise<{ readonly callId: string }> {
    const host = this.host;
    if (host === undefined) throw new ConfigError('carrier', 'mount the Telnyx routes on a server (routes(host)) before placing calls');
    if (!this.connectionId) throw new ConfigError('connectionId', 'missing; pass connectionId or set the TELNYX_CONNECTION_ID environment variable', { envVar: 'TELNYX_CONNECTION_ID' });
    const callId = await this.rest.dial(
      {
        connection_id: this.connectionId,
        to: request.to,
        from: request.from,
        ...this.streamFields(request.streamUrl),
        client_state: encodeClientState({ ...this.streamParameters, callRef: request.callRef, direction: 'outbound' }),
        webhook_url: joinUrl(host.publicUrl, TELNYX_PATHS.webhook),
        timeout_secs: this.ringTimeoutSecs,
        ...(request.machineDetection ? { answering_machine_detection: this.machineDetection } : {}),
      },
      request.signal,
    );
    return { callId };
  }

  /** Hang up; a call that already ended (422, code 90018) is not an error. */
  async hangup(callControlId: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.rest.command(callControlId, 'hangup', {}, signal);
    } catch (error) {
      if (telnyxErrorCodes(error).includes(ALREADY_ENDED)) return;
      throw error;
    }
  }

  /** Transfer the call to a number or SIP URI. */
  async transfer(callControlId: string, to: string, signal?: AbortSignal): Promise<void> {
    await this.rest.command(callControlId, 'transfer', { to }, signal);
  }

  /** Record both parties (dual channel WAV); the file arrives as a `recording` call event. */
  async startRecording(callControlId: string, signal?: AbortSignal): Promise<void> {
    await this.rest.command(callControlId, 'record_start', { channels: 'dual', format: 'wav' }, signal);
  }

  private streamFields(streamUrl: string): Record<string, string> {
    return {
      stream_url: streamUrl,
      stream_track: 'inbound_track',
      stream_codec: this.codec,
      stream_bidirectional_mode: 'rtp',
      stream_bidirectional_codec: this.codec,
    };
  }
}
