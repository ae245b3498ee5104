import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { Logger } from '../log/logger.js';
import { warmUpWebSocket } from './warm-up-web-socket.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function listen(status?: number) {
  const seen: { headers: Record<string, unknown>; closeCode?: number }[] = [];
  const wss = new WebSocketServer({ noServer: true });
  server = createServer();
  server.on('upgrade', (req, socket, head) => {
    if (status) return void socket.end(`HTTP/1.1 ${status} No\r\nContent-Length: 0\r\n\r\n`);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const entry: (typeof seen)[number] = { headers: req.headers };
      seen.push(entry);
      ws.on('close', (code) => (entry.closeCode = code));
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/x`, seen };
}

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const make = (): Logger => ({
    debug: (_f, msg) => lines.push(msg),
    info: (_f, msg) => lines.push(msg),
    warn: (_f, msg) => lines.push(msg),
    error: (_f, msg) => lines.push(msg),
    child: () => make(),
  });
  return { logger: make(), lines };
}

describe('warmUpWebSocket', () => {
  it('opens one connection with the adapter headers and closes it normally', async () => {
    const { url, seen } = await listen();
    await warmUpWebSocket({ provider: 'toy', request: () => ({ url, headers: { authorization: 'Token k' } }) });
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([{ headers: expect.objectContaining({ authorization: 'Token k' }), closeCode: 1000 }]);
  });

  it('never throws: a refused or unreachable vendor is a debug line', async () => {
    const { url } = await listen(401);
    const { logger, lines } = capture();
    await expect(warmUpWebSocket({ provider: 'toy', request: () => ({ url }) }, { logger })).resolves.toBeUndefined();
    await expect(warmUpWebSocket({ provider: 'toy', request: () => ({ url: 'ws://127.0.0.1:1/x' }) }, { logger })).resolves.toBeUndefined();
    expect(lines).toEqual(['stt warmup failed', 'stt warmup failed']);
  });
});
