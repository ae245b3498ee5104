import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import type { Carrier } from '@patter/core';
import type { RateLimitedLog } from '@patter/core/plugin';
import { startCall } from './start-call.js';
import type { ServerContext } from './server-context.js';
import { StreamToken } from './stream-token.js';

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  503: 'Service Unavailable',
};

/**
 * Admits a media-stream WebSocket upgrade only with a valid, unexpired token for the call ref in
 * its path, for a call that has not connected before, while the server accepts calls. Everything
 * else is answered with an HTTP error and closed before the handshake, so no audio ever flows.
 * Refusals are logged through `refusals`, which aggregates them per remote address (a flood of bad
 * upgrades is one line, then one summary line per interval).
 */
export function handleStreamUpgrade(
  context: ServerContext,
  wss: WebSocketServer,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  carrier: Carrier = context.carrier,
  refusals: Pick<RateLimitedLog, 'log'> = { log: (_source, fields) => context.logger.warn(fields, 'media stream refused') },
): void {
  const { registry, tokens } = context;
  const path = (request.url ?? '/').split('?', 1)[0]!;
  const prefix = `${carrier.streamPath.replace(/\/+$/, '')}/`;
  if (!path.startsWith(prefix)) return refuse(socket, 404);
  const [callRef = '', token, ...rest] = path.slice(prefix.length).split('/');
  const remoteAddress = request.socket.remoteAddress;
  if (rest.length > 0 || !StreamToken.isCallRef(callRef)) return refuse(socket, 404);
  const check = tokens.verify(callRef, token);
  if (!check.ok) {
    refusals.log(remoteAddress, { callRef, reason: `token ${check.reason}`, status: 401, remoteAddress });
    return refuse(socket, 401);
  }
  const outbound = registry.getPending(callRef) !== undefined;
  if (!outbound && (!context.accepting || registry.activeCount >= context.options.maxCalls)) {
    refusals.log(remoteAddress, { callRef, reason: 'not accepting calls', status: 503, remoteAddress });
    return refuse(socket, 503);
  }
  if (!registry.claim(callRef, Date.now() + context.options.outboundStreamTokenTtlMs)) {
    refusals.log(remoteAddress, { callRef, reason: 'stream already connected for this call', status: 409, remoteAddress });
    return refuse(socket, 409);
  }
  wss.handleUpgrade(request, socket, head, (ws) => startCall(context, ws, callRef, carrier));
}

function refuse(socket: Duplex, status: number): void {
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () =>
    socket.destroy(),
  );
}
