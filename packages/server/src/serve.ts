import type { AddressInfo } from 'node:net';
import type { WebSocketServer } from 'ws';
import type { Carrier, Logger, WebhookChange } from '@patter/core';
import type { Agent } from './agent.js';
import { CallRegistry } from './call-registry.js';
import { DevPhoneCarrier, DEVPHONE_PATH } from './devphone/devphone-carrier.js';
import { devPhoneMode } from './devphone/devphone-mode.js';
import { createHttpServer } from './http-server.js';
import { DASHBOARD_PATH } from './dashboard/dashboard-handler.js';
import { mountHistory } from './dashboard/mount-history.js';
import { mountFleet } from './campaigns/mount-fleet.js';
import type { ResolvedServeOptions } from './serve-options.js';
import type { CallSessionFactory, ServerContext } from './server-context.js';
import { drainCalls, installShutdownSignals, type DrainControl } from './shutdown.js';
import type { StreamToken } from './stream-token.js';

/** What `phone.serve()` resolves with. */
export interface ServerHandle {
  /** Local URL of the server (`http://127.0.0.1:8000` when bound to all interfaces). */
  readonly url: string;
  /** Public URL the carrier is told about (`webhookUrl`, else `url`). */
  readonly publicUrl: string;
  readonly port: number;
  readonly host: string;
  /** The carrier's webhooks as public URLs (`POST https://…/twilio/voice`), to configure at the carrier. */
  readonly webhooks: readonly string[];
  /** The dev phone page (`http://127.0.0.1:8000/phone`), when it is on. */
  readonly devPhoneUrl: string | undefined;
  /** The dashboard (`http://127.0.0.1:8000/dashboard`), when it is on. */
  readonly dashboardUrl: string | undefined;
  /**
   * Who the dev phone answers, when it is on: `loopback` — this machine only; `secret` — also other
   * devices (at `publicUrl` + `/phone`) once they log in with the dev phone secret.
   */
  readonly devPhoneAccess: 'loopback' | 'secret' | undefined;
  /** Calls whose media stream is connected. */
  readonly activeCalls: number;
  /** What `autoConfigure` checked at the carrier, each setting changed or already right; undefined without it. */
  readonly webhookChanges?: readonly WebhookChange[];
  /**
   * Stop accepting calls, let running calls finish for up to `timeoutMs` (default the serve
   * option `shutdownTimeoutMs`), hang up the rest, and close the server. Idempotent.
   */
  close(options?: { readonly timeoutMs?: number }): Promise<void>;
}

export interface StartServerParams {
  readonly carrier: Carrier;
  readonly phoneNumber: string;
  readonly webhookUrl: string | undefined;
  readonly logger: Logger;
  readonly agent: Agent;
  readonly options: ResolvedServeOptions;
  readonly tokens: StreamToken;
  readonly createSession: CallSessionFactory;
}

/** The context of one server (embedded or the app's own): the carrier, the dev phone, the call registry, the history. */
export function createServerContext(params: StartServerParams): ServerContext {
  const { options, logger } = params;
  const history = mountHistory(options, logger);
  return {
    carrier: params.carrier,
    devPhone: options.devPhone ? new DevPhoneCarrier(devPhoneMode(params.agent), options.devPhone) : undefined,
    phoneNumber: params.phoneNumber,
    logger,
    options,
    agent: params.agent,
    registry: new CallRegistry(),
    tokens: params.tokens,
    createSession: params.createSession,
    publicUrl: params.webhookUrl ?? '',
    accepting: true,
    ...history,
    ...mountFleet(options, history.history, logger),
  };
}

/** Builds the context, mounts the carrier, listens, and wires graceful shutdown. */
export async function startServer(params: StartServerParams): Promise<{ handle: ServerHandle; context: ServerContext }> {
  const { options, logger } = params;
  const context = createServerContext(params);
  const { server, wss, routes } = createHttpServer(context);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const localHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const url = `http://${localHost.includes(':') ? `[${localHost}]` : localHost}:${port}`;
  if (params.webhookUrl === undefined) context.publicUrl = url;
  const expire = setInterval(() => context.registry.expirePending(), 60_000).unref();
  context.history?.start();
  context.fleet?.start(context);

  let closing: (DrainControl & { readonly done: Promise<void> }) | undefined;
  const close = (timeoutMs = options.shutdownTimeoutMs): DrainControl & { readonly done: Promise<void> } => {
    if (closing) {
      // close({ timeoutMs: 0 }) during a drain (e.g. one a signal started) hangs up now.
      if (timeoutMs === 0) closing.hurry();
      return closing;
    }
    logger.info({ timeoutMs }, 'server shutting down');
    // Keep listening while draining: running calls still get their status and AMD webhooks, and
    // new calls get the carrier's refusal (acceptingCalls() is false) instead of a dead port.
    const drain = drainCalls(context, timeoutMs);
    const done = closeAfterDrain(context, drain.done, wss, async () => {
      clearInterval(expire);
      uninstallSignals();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    });
    closing = { done, hurry: drain.hurry };
    return closing;
  };
  const uninstallSignals = options.shutdownSignals === false ? () => {} : installShutdownSignals(options.shutdownSignals, () => close());
  logger.info({ url, publicUrl: context.publicUrl, carrier: params.carrier.key }, 'patter server listening');
  const devPhone = context.devPhone ?? (params.carrier instanceof DevPhoneCarrier ? params.carrier : undefined);
  const devPhoneAccess = devPhone instanceof DevPhoneCarrier ? (devPhone.access.remote ? 'secret' : 'loopback') : undefined;
  if (devPhoneAccess === 'loopback') {
    logger.info({ url: `${url}${DEVPHONE_PATH}` }, 'dev phone ready on this machine only (set PATTER_DEVPHONE_SECRET to open it to other devices)');
  } else if (devPhoneAccess === 'secret') {
    logger.info(
      { url: `${url}${DEVPHONE_PATH}`, remoteUrl: `${context.publicUrl}${DEVPHONE_PATH}` },
      'dev phone ready on this machine, and on other devices after logging in with the dev phone secret',
    );
  }

  const handle: ServerHandle = {
    url,
    publicUrl: context.publicUrl,
    port,
    host: options.host,
    webhooks: routes.map((route) => route.replace(' ', ` ${context.publicUrl}`)),
    devPhoneUrl: devPhoneAccess ? `${url}${DEVPHONE_PATH}` : undefined,
    devPhoneAccess,
    dashboardUrl: context.dashboard ? `${url}${DASHBOARD_PATH}` : undefined,
    get activeCalls() {
      return context.registry.activeCount;
    },
    close: (closeOptions) => close(closeOptions?.timeoutMs).done,
  };
  return { handle, context };
}

/**
 * After the drain: closes the media sockets, the dashboard, then `closeTransport` (the listening
 * server, when Patter owns it), then the call history (the calls just ended are written first).
 */
export async function closeAfterDrain(
  context: ServerContext,
  drained: Promise<void>,
  wss: WebSocketServer,
  closeTransport: () => Promise<void>,
): Promise<void> {
  await drained;
  await closeSockets(wss);
  context.dashboard?.close();
  await closeTransport();
  await context.fleet?.close();
  await context.history?.close();
  context.logger.info({}, 'server closed');
}

/** Closes the media sockets still open (normally none: sessions close their transports) politely, then by force. */
async function closeSockets(wss: WebSocketServer): Promise<void> {
  const open = [...wss.clients];
  for (const client of open) client.close(1001, 'server shutting down');
  const allClosed = Promise.all(open.map((client) => new Promise((resolve) => client.once('close', resolve))));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([allClosed, new Promise((resolve) => (timer = setTimeout(resolve, 1_000)))]);
  clearTimeout(timer);
  for (const client of wss.clients) client.terminate();
  wss.close();
}
