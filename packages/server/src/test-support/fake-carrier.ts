import {
  MULAW_8K,
  type CallEndReason,
  type CallInfo,
  type CallTransport,
  type CallTransportEvents,
  type Carrier,
  type CarrierHost,
  type CarrierRoute,
  type OutboundCallRequest,
  type StreamContext,
} from '@patter/core';
import { TypedEmitter, type WebSocket } from '@patter/core/plugin';

/**
 * A minimal carrier for server tests. Webhook `POST /fake/voice` answers `{ streamUrl }` (503 when
 * the host refuses calls); `POST /fake/event` forwards a JSON call event to the host. The stream
 * speaks JSON: `{event:'start',callId}`, `{event:'media',payload}` (base64), `{event:'dtmf',digit}`,
 * `{event:'stop'}`; it sends `{event:'media',payload}`, `{event:'hangup'}` back.
 */
export class FakeCarrier implements Carrier {
  readonly key = 'fake';
  readonly mediaFormat = MULAW_8K;
  readonly streamPath = '/fake/stream';
  host: CarrierHost | undefined;
  readonly placed: OutboundCallRequest[] = [];
  readonly accepted: StreamContext[] = [];
  nextCallId = 1;

  routes(host: CarrierHost): readonly CarrierRoute[] {
    this.host = host;
    return [
      {
        method: 'POST',
        path: '/fake/voice',
        handle: async () => {
          if (!host.acceptingCalls()) return { status: 503, body: 'busy' };
          const callRef = host.newCallRef();
          return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ callRef, streamUrl: host.streamUrl(callRef) }) };
        },
      },
      {
        method: 'POST',
        path: '/fake/event',
        handle: async (request) => {
          host.onCallEvent(JSON.parse(request.rawBody.toString('utf8')));
          return { status: 204 };
        },
      },
    ];
  }

  acceptStream(socket: WebSocket, context: StreamContext): CallTransport {
    this.accepted.push(context);
    return new FakeTransport(socket, context);
  }

  async placeCall(request: OutboundCallRequest): Promise<{ readonly callId: string }> {
    this.placed.push(request);
    return { callId: `CALL${this.nextCallId++}` };
  }
}

class FakeTransport implements CallTransport {
  readonly carrier = 'fake';
  readonly format = MULAW_8K;
  info: CallInfo | undefined;
  private readonly events = new TypedEmitter<CallTransportEvents>();
  private stopped = false;
  /** Marks sent: this carrier never echoes, so each resolves false at a clear or the call's end. */
  private marks: ((played: boolean) => void)[] = [];

  constructor(
    private readonly socket: WebSocket,
    private readonly context: StreamContext,
  ) {
    socket.on('message', (data: Buffer) => this.onMessage(data));
    socket.on('close', () => this.stop('caller_hangup'));
  }

  on<K extends keyof CallTransportEvents>(event: K, listener: (payload: CallTransportEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  sendAudio(audio: Uint8Array): void {
    this.send({ event: 'media', payload: Buffer.from(audio).toString('base64') });
  }
  mark(name: string): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    this.send({ event: 'mark', name });
    return new Promise((resolve) => this.marks.push(resolve));
  }
  clear(): void {
    this.send({ event: 'clear' });
    this.dropMarks();
  }
  positionMs(): number {
    return 0;
  }
  playedMs(): number {
    return 0;
  }
  pendingMs(): number {
    return 0;
  }
  async drained(): Promise<void> {}
  async sendDtmf(digits: string): Promise<void> {
    this.send({ event: 'dtmf', digits });
  }
  async transfer(to: string): Promise<void> {
    this.send({ event: 'transfer', to });
  }
  async startRecording(): Promise<void> {
    this.send({ event: 'record' });
  }
  async hangup(): Promise<void> {
    this.send({ event: 'hangup' });
    this.close('agent_hangup');
  }
  close(reason: CallEndReason = 'agent_hangup'): void {
    this.stop(reason);
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(1000);
  }

  private send(message: Record<string, unknown>): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private stop(reason: CallEndReason): void {
    if (this.stopped) return;
    this.stopped = true;
    this.events.emit('stop', { reason });
    this.dropMarks();
  }

  private dropMarks(): void {
    const marks = this.marks;
    this.marks = [];
    for (const resolve of marks) resolve(false);
  }

  private onMessage(data: Buffer): void {
    const message = JSON.parse(data.toString('utf8')) as Record<string, string>;
    if (message.event === 'start') {
      this.info = {
        callId: message.callId ?? 'unknown',
        callRef: this.context.callRef,
        carrier: 'fake',
        direction: this.context.direction,
        ...(message.from !== undefined && { from: message.from }),
        ...(message.to !== undefined && { to: message.to }),
        parameters: {},
      };
      this.events.emit('start', this.info);
    } else if (message.event === 'media') this.events.emit('audio', Buffer.from(message.payload ?? '', 'base64'));
    else if (message.event === 'dtmf') this.events.emit('dtmf', message.digit ?? '');
    else if (message.event === 'stop') this.close('caller_hangup');
  }
}
