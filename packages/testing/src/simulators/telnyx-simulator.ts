import { createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { isBase64, type WebSocket } from '@patter/core/plugin';
import { TestKitError } from '../test-kit-error.js';
import type { FakeTelnyxApi, FakeTelnyxCommand } from './fake-telnyx-api.js';
import { MediaStreamPeer } from './media-stream-peer.js';
import type { WebhookResult } from './twilio-simulator.js';

export interface TelnyxSimulatorOptions {
  /** Where the server listens, e.g. `http://127.0.0.1:8000`. */
  readonly serverUrl: string;
  /** The fake REST API the server's Telnyx carrier talks to (answers arrive there). */
  readonly api: FakeTelnyxApi;
  /** Webhook signing key (Ed25519). Default: a fresh key pair. */
  readonly privateKey?: KeyObject;
  readonly webhookPath?: string;
}

export interface TelnyxWebhookOptions {
  /** `telnyx-timestamp` to send (seconds). Default: now. */
  readonly timestamp?: string;
  /** Override the signature (bad-signature tests). */
  readonly signature?: string;
  /** Sign this body instead of the one sent (tampered-body tests). */
  readonly signedBody?: string;
  readonly id?: string;
}

/** Base64 of the raw 32-byte Ed25519 public key, as the Telnyx portal shows it. */
export function rawPublicKeyBase64(key: KeyObject): string {
  const der = key.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32).toString('base64');
}

/** Signs like Telnyx: Ed25519 over `<timestamp>|<raw body>`, base64. */
export function signTelnyxWebhook(privateKey: KeyObject, timestamp: string, body: string): string {
  return sign(null, Buffer.from(`${timestamp}|${body}`, 'utf8'), privateKey).toString('base64');
}

/**
 * Plays Telnyx's side of calls against a running server: Ed25519-signed Call Control webhooks,
 * the `answer`/`dial` commands read back from the fake REST API, and the media WebSocket.
 */
export class TelnyxSimulator {
  readonly publicKey: string;
  private readonly privateKey: KeyObject;

  constructor(private readonly options: TelnyxSimulatorOptions) {
    this.privateKey = options.privateKey ?? generateKeyPairSync('ed25519').privateKey;
    this.publicKey = rawPublicKeyBase64(createPublicKey(this.privateKey));
  }

  /** POST a signed Call Control webhook. */
  async webhook(eventType: string, payload: Record<string, unknown>, options: TelnyxWebhookOptions = {}): Promise<WebhookResult> {
    const body = JSON.stringify({
      data: { event_type: eventType, id: options.id ?? randomUUID(), occurred_at: new Date().toISOString(), payload, record_type: 'event' },
      meta: { attempt: 1, delivered_to: this.options.serverUrl },
    });
    const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
    const signature = options.signature ?? signTelnyxWebhook(this.privateKey, timestamp, options.signedBody ?? body);
    const response = await fetch(this.options.serverUrl.replace(/\/$/, '') + (this.options.webhookPath ?? '/telnyx/webhook'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'telnyx-timestamp': timestamp, 'telnyx-signature-ed25519': signature },
      body,
    });
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.text() };
  }

  /**
   * An inbound call: `call.initiated` → the server's `answer` (with streaming) → `call.answered` →
   * media stream. With `start: false` the socket is open but `connected`/`start` wait for `begin()`.
   */
  async inboundCall(options: { from?: string; to?: string; start?: boolean } = {}): Promise<TelnyxSimulatedCall> {
    const callControlId = `v3:${randomUUID()}`;
    this.options.api.addCall(callControlId);
    const ids = { call_control_id: callControlId, call_leg_id: randomUUID(), call_session_id: randomUUID(), connection_id: '1494404757140276705' };
    const parties = { from: options.from ?? '+14155550100', to: options.to ?? '+14155550199' };
    const hook = await this.webhook('call.initiated', { ...ids, ...parties, client_state: null, direction: 'incoming', state: 'parked' });
    if (hook.status !== 200) throw new TestKitError(`call.initiated answered ${hook.status}`);
    const answer = await this.options.api.commands.waitFor((c) => c.callControlId === callControlId && c.action === 'answer');
    return this.connect(answer, { ...ids, ...parties }, options.start ?? true);
  }

  /** Answer an outbound call the server dialed: `call.answered`, then the stream from the dial's `stream_url`. */
  async answerOutbound(dial: { callControlId: string; body: Record<string, unknown> }): Promise<TelnyxSimulatedCall> {
    const ids = { call_control_id: dial.callControlId, call_leg_id: randomUUID(), call_session_id: randomUUID(), connection_id: String(dial.body.connection_id) };
    return this.connect({ callControlId: dial.callControlId, action: 'dial', body: dial.body }, { ...ids, from: String(dial.body.from), to: String(dial.body.to) });
  }

  private async connect(command: FakeTelnyxCommand, payload: Record<string, string>, start = true): Promise<TelnyxSimulatedCall> {
    const { body } = command;
    if (typeof body.stream_url !== 'string') throw new TestKitError(`${command.action} did not ask for streaming (no stream_url)`);
    if (body.stream_bidirectional_mode !== 'rtp') throw new TestKitError(`${command.action} did not ask for bidirectional RTP: agent audio would be dropped`);
    const codec = String(body.stream_bidirectional_codec ?? 'PCMU');
    const clientState = typeof body.client_state === 'string' ? body.client_state : null;
    await this.webhook('call.answered', { ...payload, client_state: clientState, state: 'answered' });
    const socket = await MediaStreamPeer.open(body.stream_url);
    const call = new TelnyxSimulatedCall(socket, this, payload, clientState, codec);
    if (start) call.begin();
    await this.webhook('streaming.started', { ...payload, client_state: clientState, stream_url: body.stream_url });
    return call;
  }

}

/** One call's media stream from Telnyx's side. */
export class TelnyxSimulatedCall extends MediaStreamPeer {
  readonly streamId = randomUUID();
  private seq = 0;
  private chunk = 0;

  constructor(
    socket: WebSocket,
    private readonly sim: TelnyxSimulator,
    readonly payload: Record<string, string>,
    readonly clientState: string | null,
    readonly codec: string,
  ) {
    super(socket, 8);
  }

  get callControlId(): string {
    return this.payload.call_control_id!;
  }

  /** `connected` then `start`. */
  begin(): void {
    this.send({ event: 'connected', version: '1.0.0' });
    this.send({
      event: 'start',
      sequence_number: String(++this.seq),
      start: {
        user_id: randomUUID(),
        call_control_id: this.callControlId,
        call_session_id: this.payload.call_session_id,
        from: this.payload.from,
        to: this.payload.to,
        tags: [],
        client_state: this.clientState,
        media_format: { encoding: this.codec, sample_rate: 8000, channels: 1 },
      },
      stream_id: this.streamId,
    });
  }

  /** A keypress: the WS `dtmf` frame and the `call.dtmf.received` webhook. */
  async sendDtmf(digit: string): Promise<void> {
    this.send({ event: 'dtmf', stream_id: this.streamId, occurred_at: new Date().toISOString(), sequence_number: String(++this.seq), dtmf: { digit } });
    await this.sim.webhook('call.dtmf.received', { ...this.payload, client_state: this.clientState, digit });
  }

  /** The call ended: WS `stop`, socket closed, then `streaming.stopped` and `call.hangup` webhooks. */
  async stop(hangupCause = 'normal_clearing'): Promise<void> {
    this.send({ event: 'stop', sequence_number: String(++this.seq), stop: { user_id: randomUUID(), call_control_id: this.callControlId }, stream_id: this.streamId });
    this.socket.close(1000);
    await this.closed;
    await this.sim.webhook('streaming.stopped', { ...this.payload, client_state: this.clientState });
    await this.sim.webhook('call.hangup', { ...this.payload, client_state: this.clientState, hangup_cause: hangupCause, hangup_source: 'caller', sip_hangup_cause: 'unspecified', state: 'hangup' });
  }

  protected sendMediaFrame(frame: Uint8Array): void {
    const chunk = ++this.chunk;
    this.send({
      event: 'media',
      sequence_number: String(++this.seq),
      media: { track: 'inbound', chunk: String(chunk), timestamp: String((chunk - 1) * 20), payload: Buffer.from(frame).toString('base64') },
      stream_id: this.streamId,
    });
  }

  protected sendMarkEcho(name: string): void {
    this.send({ event: 'mark', stream_id: this.streamId, sequence_number: String(++this.seq), mark: { name } });
  }

  protected override onInvalidJson(): void {
    this.error(100003, 'malformed_frame');
  }

  protected onServerMessage(message: Record<string, unknown>): void {
    // The documented outbound shapes carry no stream_id (and nothing else).
    switch (message.event) {
      case 'media': {
        this.checkFields(message, ['event', 'media'], 'media');
        this.checkFields(message.media, ['payload'], 'media.media');
        const payload = (message.media as { payload?: unknown } | undefined)?.payload;
        if (typeof payload !== 'string' || !isBase64(payload)) {
          this.violations.push('media payload is not base64');
          this.error(100004, 'invalid_media');
          return;
        }
        const audio = Buffer.from(payload, 'base64');
        if (audio.byteLength < 160 || audio.byteLength > 240_000) {
          this.violations.push(`media of ${audio.byteLength} bytes is outside 20 ms … 30 s`);
          this.error(100003, 'malformed_frame');
          return;
        }
        this.play(audio);
        return;
      }
      case 'mark': {
        this.checkFields(message, ['event', 'mark'], 'mark');
        const name = (message.mark as { name?: unknown } | undefined)?.name;
        if (typeof name !== 'string') this.violations.push('mark without name');
        else this.queueMark(name);
        return;
      }
      case 'clear':
        this.checkFields(message, ['event'], 'clear');
        this.clearPlayback();
        return;
      default:
        this.violations.push(`unknown event ${String(message.event)}`);
        this.error(100003, 'malformed_frame');
    }
  }

  private error(code: number, title: string): void {
    this.send({ event: 'error', payload: { code, title, detail: title }, stream_id: this.streamId });
  }
}
