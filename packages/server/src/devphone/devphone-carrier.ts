import {
  ConfigError,
  type Carrier,
  type CarrierHost,
  type CarrierHttpRequest,
  type CarrierHttpResponse,
  type CarrierRoute,
  type StreamContext,
  type WebSocket,
} from '@patter/core';
import { devPhoneAsset } from './devphone-assets.js';
import { DEVPHONE_FORMAT } from './devphone-format.js';
import { DevPhoneTransport } from './devphone-transport.js';
import { isTrustedHost } from './is-trusted-host.js';

/** `voice`: microphone and speaker; `text`: the agent has no voice providers, so the page types. */
export type DevPhoneMode = 'voice' | 'text';

export const DEVPHONE_PATH = '/phone';

const NO_STORE = { 'cache-control': 'no-store' };

/**
 * The dev phone: a web page that calls the running agent from the browser, served by the
 * Patter server itself. It plugs in as one more carrier — its calls run through the same
 * stream tokens, call session, events, metrics and barge-in as Twilio's and Telnyx's.
 */
export class DevPhoneCarrier implements Carrier {
  readonly key = 'devphone';
  readonly mediaFormat = DEVPHONE_FORMAT;
  readonly streamPath = '/devphone/stream';

  constructor(private readonly mode: DevPhoneMode) {}

  routes(host: CarrierHost): readonly CarrierRoute[] {
    const asset = (name: string): CarrierRoute['handle'] => async () => {
      const { body, type } = devPhoneAsset(name);
      return { status: 200, headers: { 'content-type': type, ...NO_STORE }, body };
    };
    return [
      { method: 'GET', path: DEVPHONE_PATH, handle: asset('index.html') },
      { method: 'GET', path: '/devphone/app.js', handle: asset('app.js') },
      { method: 'GET', path: '/devphone/worklets.js', handle: asset('worklets.js') },
      { method: 'POST', path: '/devphone/call', handle: (request) => this.newCall(host, request) },
    ];
  }

  acceptStream(socket: WebSocket, context: StreamContext): DevPhoneTransport {
    return new DevPhoneTransport(socket, context);
  }

  async placeCall(): Promise<never> {
    throw new ConfigError('carrier', 'the dev phone takes calls from the browser; it cannot dial out');
  }

  /**
   * Hands the page a short-lived stream token for a new call. Only the page's own origin may ask
   * (a cross-site page cannot start calls on a developer's machine), under a Host a rebound DNS
   * name cannot pose as.
   */
  private async newCall(host: CarrierHost, request: CarrierHttpRequest): Promise<CarrierHttpResponse> {
    if (!isTrustedHost(request.headers.host, host.publicUrl)) {
      host.logger.warn({}, 'dev phone call refused: the Host is not this server (an IP, localhost or the public URL)');
      return { status: 403, body: 'forbidden' };
    }
    const origin = request.headers.origin;
    if (origin !== undefined && (originHost(origin) ?? null) !== request.headers.host) {
      host.logger.warn({}, 'dev phone call refused: cross-origin request');
      return { status: 403, body: 'forbidden' };
    }
    if (!host.acceptingCalls()) return { status: 503, body: 'not accepting calls' };
    const callRef = host.newCallRef();
    const streamPath = new URL(host.streamUrl(callRef)).pathname;
    return {
      status: 200,
      headers: { 'content-type': 'application/json', ...NO_STORE },
      body: JSON.stringify({ mode: this.mode, callRef, callId: `devphone-${callRef.slice(0, 12)}`, streamPath }),
    };
  }
}

/** The host of an `Origin` header; undefined for `null` (sandboxed and file:// pages) or garbage. */
function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
