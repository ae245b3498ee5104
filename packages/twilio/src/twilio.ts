import {
  ConfigError,
  MULAW_8K,
  type AudioFormat,
  type CallTransport,
  type Carrier,
  type CarrierCallQuery,
  type CarrierCallRecord,
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
  type CarrierCallCommands,
  type DtmfToneOptions,
  type WebSocket,
} from '@patter/core/plugin';
import { TwilioMediaCodec } from './twilio-media-codec.js';
import { configureTwilioNumber } from './configure-twilio-number.js';
import { TwilioRest, twilioErrorCode, type FormFields, type TwilioRestOptions } from './twilio-rest.js';
import { dialTwiml, streamTwiml } from './twilio-twiml.js';
import { mapAnsweredBy, TWILIO_PATHS, twilioRoutes } from './twilio-webhooks.js';

export interface TwilioOptions {
  /** Account SID (`AC…`). Default: `TWILIO_ACCOUNT_SID`. */
  readonly accountSid?: string;
  /** Auth token: signs webhooks, and authenticates REST calls unless an API key is given. Default: `TWILIO_AUTH_TOKEN`. */
  readonly authToken?: string;
  /** API key SID (`SK…`) for REST calls. Default: `TWILIO_API_KEY_SID`. */
  readonly apiKeySid?: string;
  /** API key secret. Default: `TWILIO_API_KEY_SECRET`. */
  readonly apiKeySecret?: string;
  /** REST API origin, e.g. `https://api.dublin.ie1.twilio.com`. */
  readonly baseUrl?: string;
  /** AMD mode for outbound calls with machine detection. `DetectMessageEnd` waits for the beep. */
  readonly machineDetection?: 'DetectMessageEnd' | 'Enable';
  /** Seconds AMD may take before answering `unknown`. */
  readonly machineDetectionTimeoutSecs?: number;
  /** Seconds an outbound call rings before giving up. */
  readonly ringTimeoutSecs?: number;
  /** Extra `<Parameter>`s put on every stream (they arrive in `CallInfo.parameters`). */
  readonly streamParameters?: Readonly<Record<string, string>>;
  /** Caller id shown on transfers (`<Dial callerId>`); Twilio's default is the original caller. */
  readonly transferCallerId?: string;
  /** `mono` or `dual` (caller and agent on separate channels). */
  readonly recordingChannels?: 'mono' | 'dual';
  /** How far ahead of real time agent audio is sent, ms; bounds what a barge-in cannot take back. */
  readonly leadMs?: number;
  /**
   * Agent audio per outbound media message, ms (a multiple of 20, up to 200): 20 ms frames due
   * together go out as one message, so one socket write carries them. Default 100 (ten messages a second; Twilio and Telnyx accept any size from 20 ms).
   */
  readonly messageMs?: number;
  /** REST request timeout, ms. */
  readonly requestTimeoutMs?: number;
  /** In-band DTMF timing. */
  readonly dtmf?: DtmfToneOptions;
}

/** Every option of `TwilioOptions`; the type makes the compiler refuse a list that misses one. */
const OPTION_KEYS = new Set(Object.keys({
  accountSid: true,
  authToken: true,
  apiKeySid: true,
  apiKeySecret: true,
  baseUrl: true,
  machineDetection: true,
  machineDetectionTimeoutSecs: true,
  ringTimeoutSecs: true,
  streamParameters: true,
  transferCallerId: true,
  recordingChannels: true,
  leadMs: true,
  messageMs: true,
  requestTimeoutMs: true,
  dtmf: true,
} satisfies Record<keyof TwilioOptions, true>));

export const DEFAULTS = Object.freeze({
  baseUrl: 'https://api.twilio.com',
  machineDetection: 'DetectMessageEnd' as const,
  machineDetectionTimeoutSecs: 30,
  ringTimeoutSecs: 60,
  recordingChannels: 'mono' as const,
  leadMs: 80,
  messageMs: 100,
  requestTimeoutMs: 15_000,
});

/** Call ended already: Twilio answers 404 (20404) or 400 (21220, not in progress). */
const ALREADY_ENDED = new Set([20404, 21220]);

/**
 * Twilio as a Patter carrier: TwiML webhooks with signature checks, bidirectional Media
 * Streams, and REST call control (outbound calls with async AMD, hangup, transfer, recording).
 */
export class Twilio implements Carrier {
  readonly key = 'twilio';
  readonly mediaFormat: AudioFormat = MULAW_8K;
  readonly streamPath = TWILIO_PATHS.stream;
  readonly needsPublicUrl = true;
  readonly accountSid: string;
  private readonly authToken: string;
  private readonly rest: TwilioRest;
  private readonly restOptions: TwilioRestOptions;
  private readonly settings: Required<Omit<TwilioOptions, 'accountSid' | 'authToken' | 'apiKeySid' | 'apiKeySecret' | 'transferCallerId' | 'dtmf'>> &
    { readonly transferCallerId: string | undefined; readonly dtmf: DtmfToneOptions | undefined };
  private readonly framesPerMessage: number;
  private host: CarrierHost | undefined;

  constructor(options: TwilioOptions = {}) {
    rejectUnknownOptions(options, OPTION_KEYS, 'Twilio option');
    this.accountSid = resolveApiKey(options.accountSid, 'TWILIO_ACCOUNT_SID', 'accountSid');
    if (!/^AC[0-9a-fA-F]{32}$/.test(this.accountSid)) throw new ConfigError('accountSid', 'must be AC followed by 32 hex digits');
    this.authToken = resolveApiKey(options.authToken, 'TWILIO_AUTH_TOKEN', 'authToken');
    const apiKeySid = options.apiKeySid ?? process.env.TWILIO_API_KEY_SID;
    const apiKeySecret = options.apiKeySecret ?? process.env.TWILIO_API_KEY_SECRET;
    if ((apiKeySid === undefined) !== (apiKeySecret === undefined)) {
      throw new ConfigError(apiKeySid === undefined ? 'apiKeySid' : 'apiKeySecret', 'an API key needs both apiKeySid and apiKeySecret');
    }
    this.settings = {
      baseUrl: normalizeBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl),
      machineDetection: options.machineDetection ?? DEFAULTS.machineDetection,
      machineDetectionTimeoutSecs: positive('machineDetectionTimeoutSecs', options.machineDetectionTimeoutSecs ?? DEFAULTS.machineDetectionTimeoutSecs),
      ringTimeoutSecs: positive('ringTimeoutSecs', options.ringTimeoutSecs ?? DEFAULTS.ringTimeoutSecs),
      streamParameters: options.streamParameters ?? {},
      recordingChannels: options.recordingChannels ?? DEFAULTS.recordingChannels,
      leadMs: options.leadMs ?? DEFAULTS.leadMs,
      messageMs: options.messageMs ?? DEFAULTS.messageMs,
      requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs),
      transferCallerId: options.transferCallerId,
      dtmf: options.dtmf,
    };
    if (!['DetectMessageEnd', 'Enable'].includes(this.settings.machineDetection)) {
      throw new ConfigError('machineDetection', 'must be DetectMessageEnd or Enable');
    }
    if (!(this.settings.leadMs >= 0 && this.settings.leadMs <= 1000)) throw new ConfigError('leadMs', 'must be between 0 and 1000');
    this.framesPerMessage = framesPerMessage(this.settings.messageMs);
    this.restOptions = {
      baseUrl: this.settings.baseUrl,
      accountSid: this.accountSid,
      username: apiKeySid ?? this.accountSid,
      password: apiKeySecret ?? this.authToken,
      credentialEnv: apiKeySid === undefined ? 'TWILIO_AUTH_TOKEN' : 'TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET',
      timeoutMs: this.settings.requestTimeoutMs,
    };
    this.rest = new TwilioRest(this.restOptions);
  }

  routes(host: CarrierHost): readonly CarrierRoute[] {
    this.host = host;
    return twilioRoutes(host, { authToken: this.authToken, streamParameters: this.settings.streamParameters });
  }

  acceptStream(socket: WebSocket, context: StreamContext): CallTransport {
    return new StreamCallTransport(socket, {
      carrier: this.key,
      format: MULAW_8K,
      codec: new TwilioMediaCodec(),
      commands: this.commands(context.callRef),
      context,
      frameMs: 20,
      leadMs: this.settings.leadMs,
      framesPerMessage: this.framesPerMessage,
      ...(this.settings.dtmf === undefined ? {} : { dtmf: this.settings.dtmf }),
    });
  }

  /**
   * Zero-touch setup (`serve({ autoConfigure: true })`): points the number's `VoiceUrl` at this
   * server's voice webhook with `VoiceMethod` POST, changing only what differs. Nothing is restored
   * on shutdown.
   */
  configureWebhooks(target: WebhookTarget): Promise<readonly WebhookChange[]> {
    return configureTwilioNumber(this.restOptions, {
      phoneNumber: target.phoneNumber,
      voiceUrl: joinUrl(target.publicUrl, TWILIO_PATHS.voice),
      ...(target.signal === undefined ? {} : { signal: target.signal }),
    });
  }

  async placeCall(request: OutboundCallRequest): Promise<{ readonly callId: string }> {
    const host = this.requireHost();
    const callback = (path: string) => joinUrl(host.publicUrl, path, { callRef: request.callRef });
    const twiml = streamTwiml(
      request.streamUrl,
      { ...this.settings.streamParameters, callRef: request.callRef, direction: 'outbound', from: request.from, to: request.to },
      false,
    );
    const fields: [string, string | undefined][] = [
      ['To', request.to],
      ['From', request.from],
      ['Twiml', twiml],
      ['Timeout', String(this.settings.ringTimeoutSecs)],
      ['StatusCallback', callback(TWILIO_PATHS.status)],
      ['StatusCallbackMethod', 'POST'],
      ['StatusCallbackEvent', 'initiated'],
      ['StatusCallbackEvent', 'ringing'],
      ['StatusCallbackEvent', 'answered'],
      ['StatusCallbackEvent', 'completed'],
    ];
    if (request.machineDetection) {
      fields.push(
        ['MachineDetection', this.settings.machineDetection],
        ['MachineDetectionTimeout', String(this.settings.machineDetectionTimeoutSecs)],
        ['AsyncAmd', 'true'],
        ['AsyncAmdStatusCallback', callback(TWILIO_PATHS.amd)],
        ['AsyncAmdStatusCallbackMethod', 'POST'],
      );
    }
    const callId = await this.rest.createCall(fields, request.signal);
    return { callId };
  }

  /**
   * Calls to `to` from `from` created since `since` (newest first, ended ones included), from
   * `GET Calls.json?To=&From=`. A fleet asks this before redialing an attempt whose answer was lost.
   */
  async findCalls(query: CarrierCallQuery): Promise<readonly CarrierCallRecord[]> {
    const calls = await this.rest.listCalls({ to: query.to, from: query.from, pageSize: 20 }, query.signal);
    const found: CarrierCallRecord[] = [];
    for (const call of calls) {
      const created = Date.parse(call.date_created ?? '');
      // RFC 2822 has whole seconds: a call created in the second of `since` counts.
      if (Number.isFinite(created) && created < Math.floor(query.since / 1000) * 1000) continue;
      found.push({
        callId: call.sid,
        status: call.status,
        ...(typeof call.answered_by === 'string' && call.answered_by !== '' && { answeredBy: mapAnsweredBy(call.answered_by).result }),
      });
    }
    return found;
  }

  /** Hang up a call by SID; a call that already ended is not an error. */
  async hangup(callId: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.rest.updateCall(callId, [['Status', 'completed']], signal);
    } catch (error) {
      const code = twilioErrorCode(error);
      if (code !== undefined && ALREADY_ENDED.has(code)) return;
      if ((error as { status?: number }).status === 404) return;
      throw error;
    }
  }

  /** Replace the call's TwiML with a `<Dial>` (the stream then stops). */
  async transfer(callId: string, to: string, signal?: AbortSignal): Promise<void> {
    await this.rest.updateCall(callId, [['Twiml', dialTwiml(to, this.settings.transferCallerId)]], signal);
  }

  /** Start recording a live call; the recording arrives as a `recording` call event. */
  async startRecording(callId: string, callRef?: string, signal?: AbortSignal): Promise<void> {
    const host = this.requireHost();
    const fields: FormFields = [
      ['RecordingStatusCallback', joinUrl(host.publicUrl, TWILIO_PATHS.recording, { callRef })],
      ['RecordingStatusCallbackMethod', 'POST'],
      ['RecordingStatusCallbackEvent', 'completed'],
      ['RecordingChannels', this.settings.recordingChannels],
    ];
    await this.rest.startRecording(callId, fields, signal);
  }

  private commands(callRef: string): CarrierCallCommands {
    return {
      hangup: (callId, signal) => this.hangup(callId, signal),
      transfer: (callId, to, signal) => this.transfer(callId, to, signal),
      startRecording: (callId, signal) => this.startRecording(callId, callRef, signal),
    };
  }

  private requireHost(): CarrierHost {
    if (this.host === undefined) throw new ConfigError('carrier', 'mount the Twilio routes on a server (routes(host)) before placing calls');
    return this.host;
  }
}

function positive(option: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) throw new ConfigError(option, 'must be a positive number');
  return value;
}
