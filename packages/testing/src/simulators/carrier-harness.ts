import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import {
  silentLogger,
  type CallDirection,
  type CallEndReason,
  type CallTransport,
  type Carrier,
  type Logger,
  type CarrierCallEvent,
  type CarrierHost,
  type CarrierRoute,
} from '@patter/core';
import { WaitableLog } from '../fakes/waitable-log.js';

/** One call as the harness saw it through the carrier's `CallTransport`. */
export interface HarnessCall {
  readonly callRef: string;
  readonly transport: CallTransport;
  readonly audio: WaitableLog<Uint8Array>;
  readonly dtmf: WaitableLog<string>;
  readonly marks: WaitableLog<string>;
  readonly stops: WaitableLog<CallEndReason>;
  readonly started: Promise<void>;
}

export interface CarrierHarnessOptions {
  readonly logger?: Logger;
}

/**
 * A minimal loopback server for a `Carrier` (what `@patter/server` does, without sessions):
 * mounts the carrier's routes, lends it a `CarrierHost`, accepts media streams at
 * `<streamPath>/<callRef>` and records every call's transport events and call events.
 */
export class CarrierHarness {
  readonly calls = new WaitableLog<HarnessCall>('call');
  readonly events = new WaitableLog<CarrierCallEvent>('call event');
  accepting = true;
  private readonly directions = new Map<string, CallDirection>();
  private refSeq = 0;

  private constructor(
    readonly carrier: Carrier,
    readonly publicUrl: string,
    private readonly http: Server,
    private readonly wss: WebSocketServer,
  ) {}

  static async start(carrier: Carrier, options: CarrierHarnessOptions = {}): Promise<CarrierHarness> {
    const logger = options.logger ?? silentLogger;
    const http = createServer();
    const wss = new WebSocketServer({ noServer: true });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const publicUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const harness = new CarrierHarness(carrier, publicUrl, http, wss);
    const host: CarrierHost = {
      publicUrl,
      logger,
      streamUrl: (callRef) => `${publicUrl.replace(/^http/, 'ws')}${carrier.streamPath}/${encodeURIComponent(callRef)}`,
      newCallRef: () => `ref-${++harness.refSeq}`,
      acceptingCalls: () => harness.accepting,
      onCallEvent: (event) => harness.events.push(event),
    };
    const routes = carrier.routes(host);
    http.on('request', (req, res) => {
      void harness.route(routes, req).then(
        (answer) => {
          res.writeHead(answer.status, answer.headers ?? {});
          res.end(answer.body ?? '');
        },
        (err: unknown) => {
          logger.error({ err }, 'carrier route threw');
          res.writeHead(500).end();
        },
      );
    });
    http.on('upgrade', (req, socket, head) => {
      const path = new URL(req.url ?? '/', publicUrl).pathname;
      const prefix = `${carrier.streamPath}/`;
      if (!path.startsWith(prefix)) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      const callRef = decodeURIComponent(path.slice(prefix.length));
      wss.handleUpgrade(req, socket, head, (ws) => {
        const direction = harness.directions.get(callRef) ?? 'inbound';
        const transport = carrier.acceptStream(ws, { callRef, logger, direction });
        harness.calls.push(record(callRef, transport));
      });
    });
    return harness;
  }

  /** The stream URL an outbound call would carry. */
  streamUrl(callRef: string): string {
    return `${this.publicUrl.replace(/^http/, 'ws')}${this.carrier.streamPath}/${encodeURIComponent(callRef)}`;
  }

  /** Dial out through the carrier, as `phone.call()` would. */
  async placeCall(request: { to: string; from: string; machineDetection?: boolean }): Promise<{ callId: string; callRef: string }> {
    const callRef = `out-${++this.refSeq}`;
    this.directions.set(callRef, 'outbound');
    const { callId } = await this.carrier.placeCall({ ...request, callRef, streamUrl: this.streamUrl(callRef) });
    return { callId, callRef };
  }

  async close(): Promise<void> {
    for (const call of this.calls.items) call.transport.close('shutdown');
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise((resolve) => this.http.close(resolve));
  }

  private async route(routes: readonly CarrierRoute[], req: IncomingMessage) {
    const url = new URL(req.url ?? '/', this.publicUrl);
    const route = routes.find((r) => r.method === req.method && r.path === url.pathname);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (!route) return { status: 404 };
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    return route.handle({
      method: req.method ?? 'GET',
      url: url.toString(),
      path: url.pathname,
      query: url.searchParams,
      headers,
      rawBody: Buffer.concat(chunks),
      remoteAddress: req.socket.remoteAddress,
    });
  }
}

function record(callRef: string, transport: CallTransport): HarnessCall {
  const call: HarnessCall = {
    callRef,
    transport,
    audio: new WaitableLog('audio frame'),
    dtmf: new WaitableLog('dtmf digit'),
    marks: new WaitableLog('mark'),
    stops: new WaitableLog('stop'),
    started: new Promise((resolve) => transport.on('start', () => resolve())),
  };
  transport.on('audio', (audio) => call.audio.push(Uint8Array.from(audio)));
  transport.on('dtmf', (digit) => call.dtmf.push(digit));
  transport.on('mark', (name) => call.marks.push(name));
  transport.on('stop', ({ reason }) => call.stops.push(reason));
  return call;
}
