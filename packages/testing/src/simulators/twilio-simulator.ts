import { createHmac, randomBytes } from 'node:crypto';
import { isBase64, type WebSocket } from '@patter/core/plugin';
import { TestKitError } from '../test-kit-error.js';
import { MediaStreamPeer } from './media-stream-peer.js';

export interface TwilioSimulatorOptions {
  /** Where the server listens, e.g. `http://127.0.0.1:8000`. */
  readonly serverUrl: string;
  /** The public URL Twilio was configured with (the signature base). Default `serverUrl`. */
  readonly publicUrl?: string;
  readonly authToken: string;
  readonly accountSid?: string;
  readonly voicePath?: string;
  readonly statusPath?: string;
  readonly amdPath?: string;
}

export interface WebhookResult {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** A parsed `<Connect><Stream>` answer. */
export interface StreamTwiml {
  readonly url: string;
  readonly parameters: Record<string, string>;
}

const unescape = (value: string) =>
  value.replace(/&(amp|lt|gt|quot|apos);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!);

/** Parses TwiML that opens a bidirectional stream; throws when it does not. */
export function parseStreamTwiml(twiml: string): StreamTwiml {
  const stream = /<Response>\s*<Connect[^>]*>\s*<Stream\s[^>]*url="([^"]*)"[^>]*>([\s\S]*?)<\/Stream>\s*<\/Connect>/.exec(twiml);
  if (!stream) throw new TestKitError(`TwiML does not open a <Connect><Stream>: ${twiml.slice(0, 200)}`);
  const parameters: Record<string, string> = {};
  for (const m of stream[2]!.matchAll(/<Parameter\s+name="([^"]*)"\s+value="([^"]*)"\s*\/>/g)) parameters[unescape(m[1]!)] = unescape(m[2]!);
  return { url: unescape(stream[1]!), parameters };
}

/** Signs like Twilio: base64 HMAC-SHA1 over the URL and the sorted form parameters. */
export function signTwilioRequest(authToken: string, url: string, params: Record<string, string>): string {
  let data = url;
  for (const key of Object.keys(params).sort()) data += key + params[key];
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

const sid = (prefix: string) => prefix + randomBytes(16).toString('hex');

/**
 * Plays Twilio's side of calls against a running server: signed webhooks, TwiML parsing, and
 * the Media Streams WebSocket (see `TwilioSimulatedCall`).
 */
export class TwilioSimulator {
  readonly accountSid: string;
  private readonly options: TwilioSimulatorOptions;

  constructor(options: TwilioSimulatorOptions) {
    this.options = options;
    this.accountSid = options.accountSid ?? sid('AC');
  }

  /** POST a signed form webhook to `path` (query included in the signed URL). */
  async webhook(
    path: string,
    params: Record<string, string>,
    options: { signature?: string; headers?: Readonly<Record<string, string>> } = {},
  ): Promise<WebhookResult> {
    const publicUrl = (this.options.publicUrl ?? this.options.serverUrl).replace(/\/$/, '') + path;
    const signature = options.signature ?? signTwilioRequest(this.options.authToken, publicUrl, params);
    const response = await fetch(this.options.serverUrl.replace(/\/$/, '') + path, {
      method: 'POST',
      headers: { ...options.headers, 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    });
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.text() };
  }

  /** An inbound call: voice webhook → TwiML → stream opened and started. */
  async inboundCall(options: { from?: string; to?: string; callSid?: string; start?: boolean } = {}): Promise<TwilioSimulatedCall> {
    const callSid = options.callSid ?? sid('CA');
    const params = {
      AccountSid: this.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: callSid,
      CallStatus: 'ringing',
      Direction: 'inbound',
      From: options.from ?? '+14155550100',
      To: options.to ?? '+14155550199',
    };
    const answer = await this.webhook(this.options.voicePath ?? '/twilio/voice', params);
    if (answer.status !== 200 || !/xml/.test(answer.contentType)) {
      throw new TestKitError(`voice webhook answered ${answer.status} ${answer.contentType}`);
    }
    return this.connect(answer.body, callSid, options.start ?? true);
  }

  /**
   * Open the stream a TwiML document asks for (inbound answer, or the `Twiml` of an outbound REST
   * call). With `start: false` the socket is open but `connected`/`start` wait for `begin()`.
   */
  async connect(twiml: string, callSid: string, start = true): Promise<TwilioSimulatedCall> {
    const stream = parseStreamTwiml(twiml);
    const call = await TwilioSimulatedCall.connect(stream, { callSid, accountSid: this.accountSid });
    if (start) call.begin();
    return call;
  }

  /** A signed status callback (`completed`, `ringing` …). */
  statusCallback(callSid: string, status: string, query = '', extra: Record<string, string> = {}): Promise<WebhookResult> {
    return this.webhook(`${this.options.statusPath ?? '/twilio/status'}${query}`, { AccountSid: this.accountSid, CallSid: callSid, CallStatus: status, ...extra });
  }

  /** A signed async AMD callback. */
  amdCallback(callSid: string, answeredBy: string, query = ''): Promise<WebhookResult> {
    return this.webhook(`${this.options.amdPath ?? '/twilio/amd'}${query}`, { AccountSid: this.accountSid, CallSid: callSid, AnsweredBy: answeredBy, MachineDetectionDuration: '2400' });
  }
}

/** One call's Media Stream from Twilio's side. */
export class TwilioSimulatedCall extends MediaStreamPeer {
  readonly streamSid = sid('MZ');
  private seq = 0;
  private chunk = 0;

  private constructor(
    socket: WebSocket,
    readonly callSid: string,
    readonly accountSid: string,
    readonly stream: StreamTwiml,
  ) {
    super(socket, 8);
  }

  static async connect(stream: StreamTwiml, ids: { callSid: string; accountSid: string }): Promise<TwilioSimulatedCall> {
    if (stream.url.includes('?')) throw new TestKitError('Twilio <Stream url> does not support query strings');
    const socket = await MediaStreamPeer.open(stream.url);
    return new TwilioSimulatedCall(socket, ids.callSid, ids.accountSid, stream);
  }

  /** `connected` then `start`. */
  begin(): void {
    this.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    this.send({
      event: 'start',
      sequenceNumber: String(++this.seq),
      start: {
        accountSid: this.accountSid,
        streamSid: this.streamSid,
        callSid: this.callSid,
        tracks: ['inbound'],
        customParameters: this.stream.parameters,
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
      streamSid: this.streamSid,
    });
  }

  sendDtmf(digit: string): void {
    this.send({ event: 'dtmf', streamSid: this.streamSid, sequenceNumber: String(++this.seq), dtmf: { track: 'inbound_track', digit } });
  }

  /** The call ended: `stop`, then Twilio closes the socket. */
  async stop(): Promise<void> {
    this.send({ event: 'stop', sequenceNumber: String(++this.seq), stop: { accountSid: this.accountSid, callSid: this.callSid }, streamSid: this.streamSid });
    this.socket.close(1000);
    await this.closed;
  }

  protected sendMediaFrame(frame: Uint8Array): void {
    const chunk = ++this.chunk;
    this.send({
      event: 'media',
      sequenceNumber: String(++this.seq),
      media: { track: 'inbound', chunk: String(chunk), timestamp: String((chunk - 1) * 20), payload: Buffer.from(frame).toString('base64') },
      streamSid: this.streamSid,
    });
  }

  protected sendMarkEcho(name: string): void {
    this.send({ event: 'mark', sequenceNumber: String(++this.seq), streamSid: this.streamSid, mark: { name } });
  }

  protected onServerMessage(message: Record<string, unknown>): void {
    if (message.streamSid !== this.streamSid) {
      this.violations.push(`${String(message.event)} with wrong streamSid`);
      return;
    }
    // The documented outbound shapes carry nothing else (no track, chunk, timestamp, sequenceNumber).
    switch (message.event) {
      case 'media': {
        this.checkFields(message, ['event', 'streamSid', 'media'], 'media');
        this.checkFields(message.media, ['payload'], 'media.media');
        const payload = (message.media as { payload?: unknown } | undefined)?.payload;
        if (typeof payload !== 'string' || !isBase64(payload)) {
          this.violations.push('media payload is not base64');
          return;
        }
        this.play(Buffer.from(payload, 'base64'));
        return;
      }
      case 'mark': {
        this.checkFields(message, ['event', 'streamSid', 'mark'], 'mark');
        const name = (message.mark as { name?: unknown } | undefined)?.name;
        if (typeof name !== 'string') this.violations.push('mark without name');
        else this.queueMark(name);
        return;
      }
      case 'clear':
        this.checkFields(message, ['event', 'streamSid'], 'clear');
        this.clearPlayback();
        return;
      default:
        this.violations.push(`unknown event ${String(message.event)}`);
    }
  }
}
