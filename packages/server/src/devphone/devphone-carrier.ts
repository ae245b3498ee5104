import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  ConfigError,
  type Carrier,
  type CarrierHost,
  type CarrierHttpRequest,
  type CarrierHttpResponse,
  type CarrierRoute,
  type StreamContext,
} from '@patter/core';
import type { WebSocket } from '@patter/core/plugin';
import { DevPhoneAccess, isSameOrigin, type DevPhoneAccessRequest } from './devphone-access.js';
import { devPhoneAsset } from './devphone-assets.js';
import { DEVPHONE_FORMAT } from './devphone-format.js';
import type { DevPhoneOptions } from './devphone-options.js';
import { DevPhoneTransport } from './devphone-transport.js';

/** `voice`: microphone and speaker; `text`: the agent has no voice providers, so the page types. */
export type DevPhoneMode = 'voice' | 'text';

export const DEVPHONE_PATH = '/phone';
export const DEVPHONE_LOGIN_PATH = '/devphone/login';

const NO_STORE = { 'cache-control': 'no-store' };
const LOCAL_ONLY =
  'The dev phone answers this machine only: open it at http://127.0.0.1:<port>/phone on the machine running Patter, ' +
  'or set PATTER_DEVPHONE_SECRET (or devPhone: { secret }) to use it from other devices.';

/**
 * The dev phone: a web page that calls the running agent from the browser, served by the
 * Patter server itself. It plugs in as one more carrier — its calls run through the same
 * stream tokens, call session, events, metrics and barge-in as Twilio's and Telnyx's.
 *
 * Its calls run on the developer's vendor keys with no carrier signature, so it answers this
 * machine only unless a secret opens it to other devices (see `DevPhoneAccess`).
 */
export class DevPhoneCarrier implements Carrier {
  readonly key = 'devphone';
  readonly mediaFormat = DEVPHONE_FORMAT;
  readonly streamPath = '/devphone/stream';
  readonly access: DevPhoneAccess;

  constructor(
    private readonly mode: DevPhoneMode,
    options: DevPhoneOptions = {},
  ) {
    this.access = new DevPhoneAccess(options);
  }

  routes(host: CarrierHost): readonly CarrierRoute[] {
    const asset = (name: string): CarrierRoute['handle'] => this.guarded(host, async () => fileResponse(name));
    const routes: CarrierRoute[] = [
      { method: 'GET', path: DEVPHONE_PATH, handle: (request) => this.page(host, request) },
      { method: 'GET', path: '/devphone/app.js', handle: asset('app.js') },
      { method: 'GET', path: '/devphone/worklets.js', handle: asset('worklets.js') },
      { method: 'POST', path: '/devphone/call', handle: this.guarded(host, (request) => this.newCall(host, request), { sameOrigin: true }) },
    ];
    if (this.access.remote) routes.push({ method: 'POST', path: DEVPHONE_LOGIN_PATH, handle: (request) => this.login(host, request) });
    return routes;
  }

  acceptStream(socket: WebSocket, context: StreamContext): DevPhoneTransport {
    return new DevPhoneTransport(socket, context);
  }

  async placeCall(): Promise<never> {
    throw new ConfigError('carrier', 'the dev phone takes calls from the browser; it cannot dial out');
  }

  /**
   * Checks a media-stream upgrade before its token is: the same access rules as the page, and
   * same-origin when the client sends an `Origin` (a browser always does). Refused → answered
   * with 403 and closed; returns whether it may go on.
   */
  admitsStream(request: IncomingMessage, socket: Duplex, host: Pick<CarrierHost, 'logger'>): boolean {
    const access: DevPhoneAccessRequest = { headers: request.headers, remoteAddress: request.socket.remoteAddress };
    const admitted = this.access.admit(access) !== 'refused';
    if (admitted && (request.headers.origin === undefined || isSameOrigin(access))) return true;
    host.logger.warn({ remoteAddress: access.remoteAddress }, admitted ? 'dev phone stream refused: cross-origin' : 'dev phone stream refused: not this machine and no secret');
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () => socket.destroy());
    return false;
  }

  /** The page; another device without the secret gets the login form (or, with no secret set, why not). */
  private async page(host: CarrierHost, request: CarrierHttpRequest): Promise<CarrierHttpResponse> {
    if (this.access.admit(request) !== 'refused') return fileResponse('index.html');
    host.logger.warn({ remoteAddress: request.remoteAddress }, 'dev phone page refused: not this machine and no secret');
    if (this.access.remote) return { ...fileResponse('login.html'), status: 401 };
    return { status: 403, headers: NO_STORE, body: LOCAL_ONLY };
  }

  /** The login form's POST: the right secret sets the cookie and goes back to the page. */
  private async login(host: CarrierHost, request: CarrierHttpRequest): Promise<CarrierHttpResponse> {
    if (!isSameOrigin(request)) {
      host.logger.warn({ remoteAddress: request.remoteAddress }, 'dev phone login refused: cross-origin');
      return { status: 403, body: 'forbidden' };
    }
    if (this.access.throttled(request)) {
      host.logger.warn({ remoteAddress: request.remoteAddress }, 'dev phone login refused: too many wrong secrets');
      return { status: 429, headers: { 'retry-after': '60', ...NO_STORE }, body: 'too many attempts; try again in a minute' };
    }
    const secret = new URLSearchParams(request.rawBody.toString('utf8')).get('secret') ?? '';
    if (!this.access.checkSecret(secret, request)) {
      host.logger.warn({ remoteAddress: request.remoteAddress }, 'dev phone login refused: wrong secret');
      const form = fileResponse('login.html');
      return { ...form, status: 401, body: (form.body ?? '').replace('<!--status-->', '<p class="error" role="alert">Wrong secret.</p>') };
    }
    const secure = (request.headers.origin ?? '').startsWith('https:');
    return { status: 303, headers: { location: DEVPHONE_PATH, 'set-cookie': this.access.loginCookie(secure), ...NO_STORE }, body: '' };
  }

  private guarded(
    host: CarrierHost,
    handle: CarrierRoute['handle'],
    options: { readonly sameOrigin?: boolean } = {},
  ): CarrierRoute['handle'] {
    return async (request) => {
      if (this.access.admit(request) === 'refused') {
        host.logger.warn({ remoteAddress: request.remoteAddress, path: request.path }, 'dev phone request refused: not this machine and no secret');
        return { status: 403, headers: NO_STORE, body: LOCAL_ONLY };
      }
      if (options.sameOrigin && !isSameOrigin(request)) {
        host.logger.warn({ remoteAddress: request.remoteAddress, path: request.path }, 'dev phone request refused: Origin missing or cross-origin');
        return { status: 403, body: 'forbidden' };
      }
      return handle(request);
    };
  }

  /** Hands the page a short-lived stream token for a new call. */
  private async newCall(host: CarrierHost, _request: CarrierHttpRequest): Promise<CarrierHttpResponse> {
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

function fileResponse(name: string): CarrierHttpResponse {
  const { body, type } = devPhoneAsset(name);
  return { status: 200, headers: { 'content-type': type, ...NO_STORE }, body };
}
