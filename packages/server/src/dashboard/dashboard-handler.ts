import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError, type Logger } from '@patter/core';
import type { CallHistory } from './call-history.js';
import { exportApi, getCallApi, listCallsApi, overviewApi, type ApiAnswer } from './dashboard-api.js';
import { dashboardAsset, DASHBOARD_ASSETS } from './dashboard-assets.js';
import { DashboardAccess, isSameOrigin } from './dashboard-access.js';
import { getCampaignApi, listCampaignsApi, type CampaignSource } from './campaigns-api.js';
import type { LiveEvent } from './live-calls.js';

export const DASHBOARD_PATH = '/dashboard';

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; media-src *; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

const MAX_LOGIN_BYTES = 4096;
/** SSE comment sent this often so proxies keep the stream open. */
const HEARTBEAT_MS = 25_000;

/**
 * `/dashboard`: the static page, its JSON API (`/dashboard/api/...`), the live view as
 * Server-Sent Events (`/dashboard/api/live`), and the login form when a secret is needed.
 */
export class DashboardHandler {
  private readonly access: DashboardAccess;
  private readonly streams = new Set<ServerResponse>();
  private campaigns: CampaignSource | undefined;

  constructor(
    private readonly history: CallHistory,
    options: { readonly secret: string | undefined; readonly loopbackOpen: boolean },
    private readonly logger: Logger,
  ) {
    this.access = new DashboardAccess(options.secret, options.loopbackOpen);
  }

  /** Serve `/dashboard/api/campaigns` from the server's fleet. */
  useCampaigns(source: CampaignSource): void {
    this.campaigns = source;
  }

  /** Whether `path` is the dashboard's. */
  owns(path: string): boolean {
    return path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`);
  }

  async handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const method = request.method ?? 'GET';
    const path = url.pathname === DASHBOARD_PATH ? `${DASHBOARD_PATH}/` : url.pathname;
    if (path === `${DASHBOARD_PATH}/login`) return this.login(request, response, method);
    if (method !== 'GET' && method !== 'HEAD') return send(response, 405, 'text/plain', 'method not allowed', { allow: 'GET, HEAD' });
    if (!this.access.admit(request)) {
      if (path.startsWith(`${DASHBOARD_PATH}/api/`)) return json(response, { status: 401, body: { error: 'log in at /dashboard/login' } });
      if (!this.access.hasSecret) return send(response, 403, 'text/plain', 'the dashboard answers this machine only; set a dashboard secret to open it');
      return send(response, 303, 'text/plain', 'log in', { location: `${DASHBOARD_PATH}/login` });
    }
    const name = path.slice(DASHBOARD_PATH.length + 1) || 'index.html';
    if (DASHBOARD_ASSETS.has(name) && name !== 'login.html') {
      const asset = dashboardAsset(name);
      return send(response, 200, asset.type, asset.body);
    }
    try {
      if (path === `${DASHBOARD_PATH}/api/live`) return this.live(request, response);
      if (path === `${DASHBOARD_PATH}/api/calls`) return json(response, await listCallsApi(this.history, url.searchParams));
      if (path.startsWith(`${DASHBOARD_PATH}/api/calls/`)) {
        return json(response, await getCallApi(this.history, decodeURIComponent(path.slice(`${DASHBOARD_PATH}/api/calls/`.length))));
      }
      if (path === `${DASHBOARD_PATH}/api/campaigns`) return json(response, await listCampaignsApi(this.campaigns, url.searchParams));
      if (path.startsWith(`${DASHBOARD_PATH}/api/campaigns/`)) {
        return json(response, await getCampaignApi(this.campaigns, decodeURIComponent(path.slice(`${DASHBOARD_PATH}/api/campaigns/`.length))));
      }
      if (path === `${DASHBOARD_PATH}/api/overview`) return json(response, await overviewApi(this.history, url.searchParams));
      if (path === `${DASHBOARD_PATH}/api/export`) {
        const download = await exportApi(this.history, url.searchParams);
        response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': download.type, 'content-disposition': `attachment; filename="${download.name}"` });
        for await (const chunk of download.chunks) if (!response.write(chunk)) await new Promise((resolve) => response.once('drain', resolve));
        return void response.end();
      }
    } catch (err) {
      if (err instanceof ConfigError) return json(response, { status: 400, body: { error: err.message, option: err.option } });
      this.logger.warn({ err: { name: (err as Error).name, code: (err as { code?: unknown }).code }, path }, 'dashboard query failed');
      if (!response.headersSent) return json(response, { status: 503, body: { error: 'the call store is unavailable' } });
      return void response.destroy();
    }
    return send(response, 404, 'text/plain', 'not found');
  }

  /** Ends every live stream (server shutdown). */
  close(): void {
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }

  private live(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream', connection: 'keep-alive' });
    response.write(`event: snapshot\ndata: ${JSON.stringify(this.history.live.snapshot())}\n\n`);
    const unsubscribe = this.history.live.subscribe((event: LiveEvent) => {
      response.write(`event: update\ndata: ${JSON.stringify(event)}\n\n`);
    });
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), HEARTBEAT_MS).unref();
    this.streams.add(response);
    const stop = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
      this.streams.delete(response);
    };
    request.once('close', stop);
    response.once('close', stop);
  }

  private async login(request: IncomingMessage, response: ServerResponse, method: string): Promise<void> {
    if (method === 'GET' || method === 'HEAD') {
      const asset = dashboardAsset('login.html');
      return send(response, 200, asset.type, asset.body);
    }
    if (method !== 'POST') return send(response, 405, 'text/plain', 'method not allowed', { allow: 'GET, POST' });
    if (!isSameOrigin(request)) return send(response, 403, 'text/plain', 'cross-origin login refused');
    const body = await readSmallBody(request);
    const secret = new URLSearchParams(body ?? '').get('secret') ?? '';
    if (!this.access.hasSecret || !this.access.checkSecret(secret)) {
      this.logger.warn({ remote: request.socket.remoteAddress }, 'dashboard login refused');
      return send(response, 303, 'text/plain', 'wrong secret', { location: `${DASHBOARD_PATH}/login?failed=1` });
    }
    const secure = request.headers['x-forwarded-proto'] === 'https' || 'encrypted' in request.socket;
    return send(response, 303, 'text/plain', 'logged in', { location: `${DASHBOARD_PATH}/`, 'set-cookie': this.access.loginCookie(secure) });
  }
}

function json(response: ServerResponse, answer: ApiAnswer): void {
  send(response, answer.status, 'application/json', JSON.stringify(answer.body));
}

function send(response: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}

async function readSmallBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_LOGIN_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
