import type { AudioFormat } from '../audio/audio-format.js';
import { ConfigError } from '../errors/config-error.js';
import type { Logger } from '../log/logger.js';
import type { WebSocket } from '../net/connect-web-socket.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { CallEndReason, CallInfo, CallTransport, CallTransportEvents } from './call-transport.js';
import type { StreamContext } from './carrier.js';
import { dtmfAudio, isDtmfDigits, type DtmfToneOptions } from './dtmf-tones.js';
import { decodeBase64, type CarrierCallCommands, type MediaStreamCodec, type MediaStreamMessage } from './media-stream-codec.js';
import { MarkWaiters } from './mark-waiters.js';
import { OutboundPacer } from './outbound-pacer.js';
import { PlaybackTracker } from './playback-tracker.js';

export interface StreamCallTransportOptions {
  readonly carrier: string;
  readonly format: AudioFormat;
  readonly codec: MediaStreamCodec;
  readonly commands: CarrierCallCommands;
  readonly context: StreamContext;
  /** Outbound frame size. Default 20 ms. */
  readonly frameMs?: number;
  /** How far ahead of real time audio is sent. Default 80 ms. */
  readonly leadMs?: number;
  /** Whole frames due together sent in one media message (fewer socket writes). Default 1. */
  readonly framesPerMessage?: number;
  /** Larger text frames are dropped unparsed. Default 64 KiB. */
  readonly maxMessageBytes?: number;
  /** Larger inbound audio payloads are dropped. Default 16 KiB of base64 (≈ 1.5 s of μ-law). */
  readonly maxPayloadChars?: number;
  readonly dtmf?: DtmfToneOptions;
  /** After a hangup or transfer, how long to wait for the carrier's `stop` before ending locally. Default 5 s. */
  readonly stopTimeoutMs?: number;
  readonly now?: () => number;
}

const DRAIN_MARK = 'patter-drain-';
/** Close codes a peer sends for a protocol violation (RFC 6455 §7.4.1: 1002, 1003, 1007, 1009). */
const PROTOCOL_CLOSE_CODES = new Set([1002, 1003, 1007, 1009]);
const DIGIT = /^[0-9*#A-D]$/;
const ignore = (): void => {};

/**
 * A carrier media stream over a WebSocket as a `CallTransport`. The carrier package supplies
 * the wire codec and REST commands; this class owns the state machine (start → media … → stop),
 * input validation (bad frames are logged and dropped, the call goes on), outbound pacing, the
 * call's one outbound timeline (the pacer's position, padding included; the played position from
 * the frames sent, the clock and mark echoes), marks and their promises, and in-band DTMF.
 */
export class StreamCallTransport implements CallTransport {
  readonly carrier: string;
  readonly format: AudioFormat;
  private readonly options: StreamCallTransportOptions;
  private readonly socket: WebSocket;
  private readonly logger: Logger;
  private readonly emitter: TypedEmitter<CallTransportEvents>;
  private readonly pacer: OutboundPacer;
  private readonly tracker: PlaybackTracker;
  private readonly maxMessageBytes: number;
  private readonly maxPayloadChars: number;
  private callInfo: CallInfo | undefined;
  private streamId = '';
  private lastChunk = -1;
  private ended = false;
  private endReason: CallEndReason | undefined;
  private hangupPromise: Promise<void> | undefined;
  private drainSeq = 0;
  /** Marks placed and not yet echoed (the session's and `drained()`'s, one namespace). */
  private readonly marks = new MarkWaiters();
  private dropped = 0;
  private stopTimer: NodeJS.Timeout | undefined;
  /** The `ws` error code (`WS_ERR_…`) that made the socket close, if any. */
  private protocolError: string | undefined;

  constructor(socket: WebSocket, options: StreamCallTransportOptions) {
    this.options = options;
    this.socket = socket;
    this.carrier = options.carrier;
    this.format = options.format;
    this.logger = options.context.logger.child({ carrier: options.carrier, callRef: options.context.callRef });
    this.emitter = new TypedEmitter((err, event) => this.logger.error({ err, event }, 'call transport listener threw'));
    this.maxMessageBytes = options.maxMessageBytes ?? 65_536;
    this.maxPayloadChars = options.maxPayloadChars ?? 16_384;
    const now = options.now ?? (() => performance.now());
    this.tracker = new PlaybackTracker({ now });
    this.pacer = new OutboundPacer({
      format: options.format,
      now,
      ...(options.frameMs === undefined ? {} : { frameMs: options.frameMs }),
      ...(options.leadMs === undefined ? {} : { leadMs: options.leadMs }),
      ...(options.framesPerMessage === undefined ? {} : { framesPerSend: options.framesPerMessage }),
      sendFrame: (frame) => this.sendFrame(frame),
      sendMark: (name) => this.sendMark(name),
      onOverflow: (bytes) => this.logger.warn({ bytes }, 'outbound audio queue full; audio dropped'),
    });
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', (code: number) => this.onSocketClose(code));
    socket.on('error', (err) => this.onSocketError(err));
  }

  get info(): CallInfo | undefined {
    return this.callInfo;
  }

  on<K extends keyof CallTransportEvents>(event: K, listener: (payload: CallTransportEvents[K]) => void): () => void {
    return this.emitter.on(event, listener);
  }

  sendAudio(audio: Uint8Array): void {
    if (this.ended) return;
    if (this.callInfo === undefined) {
      this.drop('audio sent before stream start', {});
      return;
    }
    this.pacer.push(audio);
  }

  mark(name: string): Promise<boolean> {
    if (this.ended || this.callInfo === undefined) return Promise.resolve(false);
    const played = this.marks.add(name, true);
    this.pacer.mark(name);
    return played;
  }

  clear(): void {
    if (this.ended || this.callInfo === undefined) return;
    this.pacer.clear();
    this.tracker.clear();
    this.send(this.options.codec.encodeClear(this.streamId));
    this.marks.dropAll();
  }

  positionMs(): number {
    return this.pacer.positionMs();
  }

  playedMs(): number {
    return this.tracker.playedMs();
  }

  pendingMs(): number {
    return Math.max(0, this.pacer.positionMs() - this.tracker.playedMs());
  }

  drained(): Promise<void> {
    if (this.ended || this.callInfo === undefined) return Promise.resolve();
    if (this.pacer.idle() && this.tracker.unplayedMs() <= 0) return Promise.resolve();
    // A mark of the transport's own, not announced; it also settles after a fallback delay.
    const name = `${DRAIN_MARK}${++this.drainSeq}`;
    const done = this.marks.add(name, false, this.pendingMs() + 2_000);
    this.pacer.mark(name);
    return done.then(ignore);
  }

  async sendDtmf(digits: string): Promise<void> {
    if (!isDtmfDigits(digits)) throw new ConfigError('digits', 'only 0-9, *, #, A-D and w/W are allowed');
    if (this.ended || this.callInfo === undefined || digits === '') return;
    this.pacer.push(dtmfAudio(digits, this.format, this.options.dtmf));
    await this.drained();
  }

  async transfer(to: string): Promise<void> {
    const callId = this.callInfo?.callId;
    if (callId === undefined || this.ended) return;
    const previous = this.endReason;
    this.endReason = 'transfer';
    try {
      await this.options.commands.transfer(callId, to);
    } catch (error) {
      this.endReason = previous;
      throw error;
    }
    this.expectStop();
  }

  hangup(): Promise<void> {
    this.hangupPromise ??= this.doHangup();
    return this.hangupPromise;
  }

  async startRecording(): Promise<void> {
    const callId = this.callInfo?.callId;
    if (callId === undefined || this.options.commands.startRecording === undefined) return;
    await this.options.commands.startRecording(callId);
  }

  close(reason: CallEndReason = 'shutdown'): void {
    this.endReason ??= reason;
    this.end(this.endReason);
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
      this.socket.close(1000);
    }
  }

  private async doHangup(): Promise<void> {
    this.endReason ??= 'agent_hangup';
    const callId = this.callInfo?.callId;
    if (callId === undefined) {
      this.close('agent_hangup');
      return;
    }
    await this.options.commands.hangup(callId);
    this.expectStop();
  }

  /** `ws` reports a protocol violation (oversized message, bad UTF-8 …) as an error, then closes the socket. */
  private onSocketError(err: Error): void {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('WS_ERR_')) {
      this.protocolError ??= code;
      this.logger.warn({ code, message: err.message }, 'media stream protocol error; the socket closes');
      return;
    }
    this.logger.warn({ err }, 'media stream socket error');
  }

  /**
   * Why the call ended when the socket closed: the reason already known (stop, hangup, transfer,
   * close()), `protocol_error` after a protocol violation, `caller_hangup` for a polite close
   * without a stop, and `media_lost` for a connection that just dropped.
   */
  private onSocketClose(code: number): void {
    if (this.ended) return;
    if (this.endReason !== undefined) return this.end(this.endReason);
    if (this.protocolError !== undefined) return this.end('protocol_error');
    if (PROTOCOL_CLOSE_CODES.has(code)) {
      this.logger.warn({ code }, 'media stream closed by the carrier for a protocol error');
      return this.end('protocol_error');
    }
    if (code === 1000 || code === 1001) return this.end('caller_hangup');
    this.logger.warn({ code }, 'media stream lost without a stop from the carrier');
    this.end('media_lost');
  }

  /** The carrier should now end the stream; if it does not, end it here. */
  private expectStop(): void {
    if (this.ended || this.stopTimer !== undefined) return;
    this.stopTimer = setTimeout(() => {
      this.logger.warn({}, 'carrier did not stop the media stream; closing it');
      this.close(this.endReason ?? 'agent_hangup');
    }, this.options.stopTimeoutMs ?? 5_000);
    this.stopTimer.unref();
  }

  private onMessage(data: unknown, isBinary: boolean): void {
    if (this.ended) return;
    if (isBinary) return this.drop('binary frame', {});
    const text = Buffer.isBuffer(data)
      ? data
      : data instanceof ArrayBuffer
        ? Buffer.from(data)
        : Buffer.concat(data as Buffer[]);
    if (text.byteLength > this.maxMessageBytes) return this.drop('oversized frame', { bytes: text.byteLength });
    this.handle(this.options.codec.decode(text.toString('utf8')));
  }

  private handle(message: MediaStreamMessage): void {
    switch (message.type) {
      case 'media': {
        if (!this.isCurrent(message.streamId, 'media')) return;
        if (message.track !== undefined && message.track !== 'inbound') return;
        if (message.chunk !== undefined) {
          if (message.chunk <= this.lastChunk) return this.drop('media chunk out of order', { chunk: message.chunk });
          this.lastChunk = message.chunk;
        }
        const { payload } = message;
        if (payload.length > this.maxPayloadChars) return this.drop('oversized media payload', { chars: payload.length });
        const audio = decodeBase64(payload);
        if (audio === undefined) return this.drop('media payload is not base64', {});
        if (audio.byteLength > 0) this.emitter.emit('audio', audio);
        return;
      }
      case 'mark':
        if (!this.isCurrent(message.streamId, 'mark')) return;
        return this.onMarkEcho(message.name);
      case 'dtmf':
        if (!this.isCurrent(message.streamId, 'dtmf')) return;
        if (!DIGIT.test(message.digit)) return this.drop('invalid dtmf digit', {});
        return this.emitter.emit('dtmf', message.digit);
      case 'start':
        return this.onStart(message);
      case 'stop':
        if (!this.isCurrent(message.streamId, 'stop')) return;
        return this.end(this.endReason ?? 'caller_hangup');
      case 'connected':
        if (this.callInfo !== undefined) this.drop('connected after start', {});
        return;
      case 'error':
        this.logger.warn({ code: message.code, detail: message.detail }, 'carrier reported a media stream error');
        return;
      case 'unknown':
        return this.drop('unknown media stream event', { event: message.event.slice(0, 40) });
      case 'malformed':
        return this.drop('malformed media stream frame', { reason: message.reason });
    }
  }

  private onStart(message: Extract<MediaStreamMessage, { type: 'start' }>): void {
    if (this.callInfo !== undefined) return this.drop('duplicate start', {});
    if (message.format !== undefined && (message.format.encoding !== this.format.encoding || message.format.sampleRate !== this.format.sampleRate)) {
      this.logger.warn({ encoding: message.format.encoding, sampleRate: message.format.sampleRate }, 'carrier streams an unexpected format');
    }
    this.streamId = message.streamId;
    this.callInfo = Object.freeze({
      callId: message.callId,
      callRef: this.options.context.callRef,
      streamId: message.streamId,
      carrier: this.carrier,
      direction: this.options.context.direction,
      ...(message.from === undefined ? {} : { from: message.from }),
      ...(message.to === undefined ? {} : { to: message.to }),
      parameters: Object.freeze({ ...message.parameters }),
    });
    this.emitter.emit('start', this.callInfo);
  }

  private isCurrent(streamId: string | undefined, what: string): boolean {
    if (this.callInfo === undefined) {
      this.drop('message before stream start', { event: what });
      return false;
    }
    if (streamId !== undefined && streamId !== this.streamId) {
      this.drop('message for an unknown stream', { event: what });
      return false;
    }
    return true;
  }

  private onMarkEcho(name: string): void {
    const kind = this.tracker.onMarkEcho(name);
    if (kind === 'played') {
      if (this.marks.settle(name, true)) this.emitter.emit('mark', name);
    } else if (kind === 'unknown') this.drop('echo of an unknown mark', {});
  }

  private sendFrame(frame: Uint8Array): void {
    this.send(this.options.codec.encodeMedia(this.streamId, Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('base64')));
    this.tracker.onAudioSent((frame.byteLength / this.pacer.frameBytes) * this.pacer.frameMs);
  }

  private sendMark(name: string): void {
    this.tracker.onMarkSent(name);
    this.send(this.options.codec.encodeMark(this.streamId, name));
  }

  private send(text: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(text);
  }

  private end(reason: CallEndReason): void {
    if (this.ended) return;
    this.ended = true;
    if (this.stopTimer !== undefined) clearTimeout(this.stopTimer);
    this.pacer.close();
    this.marks.dropAll();
    this.emitter.emit('stop', { reason });
    this.emitter.removeAllListeners();
  }

  /** Log a dropped input (the first ten, then every 500th, so a flood cannot flood the logs). */
  private drop(message: string, fields: Record<string, unknown>): void {
    this.dropped++;
    if (this.dropped <= 10 || this.dropped % 500 === 0) this.logger.warn({ ...fields, dropped: this.dropped }, message);
  }
}
