import type {
  CallEndReason,
  CallInfo,
  CallSession,
  CallTransportEvents,
  CallFailure,
  StreamContext,
  TextChannel,
} from '@patter/core';
import { StreamCallTransport, TypedEmitter, type WebSocket } from '@patter/core/plugin';
import type { DevPhoneCallTransport } from './devphone-call-transport.js';
import { devPhoneCodec } from './devphone-codec.js';
import { DEVPHONE_FORMAT } from './devphone-format.js';

/** The longest typed message the dev phone takes (one chat turn). */
const MAX_TEXT_CHARS = 2000;

/**
 * The browser end of a dev-phone call: the same media-stream transport as a carrier's (pacing,
 * marks, clear, DTMF) plus what a person at the page needs — typed text in (text mode), and the
 * session's transcripts, tool calls, metrics and replies mirrored to the page.
 */
export class DevPhoneTransport implements DevPhoneCallTransport {
  readonly carrier = 'devphone';
  readonly format = DEVPHONE_FORMAT;
  private readonly media: StreamCallTransport;
  private readonly textEvents = new TypedEmitter<{ text: string }>();
  readonly text: TextChannel = {
    onText: (listener) => this.textEvents.on('text', listener),
    sendText: (text) => this.notify({ event: 'reply', text }),
  };
  private endNotified = false;

  constructor(
    private readonly socket: WebSocket,
    context: StreamContext,
  ) {
    this.media = new StreamCallTransport(socket, {
      carrier: 'devphone',
      format: DEVPHONE_FORMAT,
      codec: devPhoneCodec,
      context,
      commands: {
        // The page hears how the call ended from close(), which carries the session's reason
        // (transfer, error, timeout …): a hang-up is how every ending closes the leg.
        hangup: async () => {},
        transfer: async (_callId, to) => this.notify({ event: 'transfer', to }),
      },
      // A browser tab may send a little ahead; allow 1 s payloads of PCM16 16 kHz.
      maxPayloadChars: 44_000,
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = String(data);
      if (!text.startsWith('{"event":"text"')) return;
      let message: { text?: unknown };
      try {
        message = JSON.parse(text) as { text?: unknown };
      } catch {
        context.logger.debug({}, 'dev phone sent malformed text frame; dropped');
        return;
      }
      if (typeof message.text === 'string' && message.text.length <= MAX_TEXT_CHARS) this.textEvents.emit('text', message.text);
      else context.logger.debug({ maxChars: MAX_TEXT_CHARS }, 'dev phone text frame without text or too long; dropped');
    });
  }

  get info(): CallInfo | undefined {
    return this.media.info;
  }

  on<K extends keyof CallTransportEvents>(event: K, listener: (payload: CallTransportEvents[K]) => void): () => void {
    return this.media.on(event, listener);
  }

  sendAudio(audio: Uint8Array): void {
    this.media.sendAudio(audio);
  }
  mark(name: string): Promise<boolean> {
    return this.media.mark(name);
  }
  clear(): void {
    this.media.clear();
  }
  positionMs(): number {
    return this.media.positionMs();
  }
  playedMs(): number {
    return this.media.playedMs();
  }
  pendingMs(): number {
    return this.media.pendingMs();
  }
  drained(): Promise<void> {
    return this.media.drained();
  }
  sendDtmf(digits: string): Promise<void> {
    return this.media.sendDtmf(digits);
  }
  transfer(to: string): Promise<void> {
    return this.media.transfer(to);
  }
  hangup(): Promise<void> {
    return this.media.hangup();
  }
  close(reason?: CallEndReason, failure?: CallFailure): void {
    this.notifyEnd(reason ?? 'shutdown', failure);
    this.media.close(reason);
  }

  attachSession(session: CallSession): void {
    session.on('transcript', (entry) => this.notify({ event: 'transcript', ...entry }));
    session.on('toolCall', (call) => this.notify({ event: 'toolCall', ...call }));
    session.on('metrics', (metrics) => this.notify({ event: 'metrics', metrics }));
    session.on('callEnd', (summary) => this.notifyEnd(summary.reason, summary.error));
  }

  /** The page's `end` line, once: the first reason is the call's, with why it failed (provider, message; no secrets). */
  private notifyEnd(reason: CallEndReason, failure?: CallFailure): void {
    if (this.endNotified) return;
    this.endNotified = true;
    this.notify({ event: 'end', reason, ...(failure !== undefined && { error: failure }) });
  }

  private notify(message: Record<string, unknown>): void {
    if (this.socket.readyState === 1) this.socket.send(JSON.stringify(message));
  }
}
