import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '@patter/core';
import { RateLimitedLog } from '@patter/core/plugin';

const REFUSAL = 'HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/**
 * Caps concurrent TCP connections per remote address. A connection over the cap is answered 429
 * and closed before any request is parsed. Carriers stream many calls from few egress addresses, so
 * the cap should be generous; it stops one client from exhausting the server, not a busy carrier.
 * Refusals are logged once per address and interval (a flood is a count, not a line each).
 */
export class ConnectionLimiter {
  private readonly counts = new Map<string, number>();
  private readonly refused = new WeakSet<Socket>();
  private readonly refusals: RateLimitedLog;

  constructor(
    private readonly maxPerIp: number,
    logger: Logger,
    signal?: AbortSignal,
  ) {
    this.refusals = new RateLimitedLog(logger, 'warn', 'connection refused: per-IP limit reached', signal ? { signal } : {});
  }

  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.admit(socket));
  }

  /** Whether this socket was turned away (a request parsed from it must be ignored). */
  isRefused(socket: Socket): boolean {
    return this.refused.has(socket);
  }

  /** Open connections from `address` right now. */
  count(address: string): number {
    return this.counts.get(address) ?? 0;
  }

  private admit(socket: Socket): void {
    const address = socket.remoteAddress ?? 'unknown';
    const current = this.counts.get(address) ?? 0;
    if (current >= this.maxPerIp) {
      this.refusals.log(address, { remoteAddress: address, limit: this.maxPerIp });
      this.refused.add(socket);
      socket.end(REFUSAL, () => socket.destroy());
      return;
    }
    this.counts.set(address, current + 1);
    socket.once('close', () => {
      const left = (this.counts.get(address) ?? 1) - 1;
      if (left <= 0) this.counts.delete(address);
      else this.counts.set(address, left);
    });
  }
}
