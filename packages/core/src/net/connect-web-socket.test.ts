import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { ProviderAuthError, ProviderConnectionError, ProviderStatusError, ProviderTimeoutError } from '../errors/provider-error.js';
import { connectWebSocket } from './connect-web-socket.js';

let server: Server | undefined;
let wss: WebSocketServer | undefined;
const sockets = new Set<import('node:stream').Duplex>();

afterEach(async () => {
  wss?.close();
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
  wss = undefined;
});

async function listen(onUpgrade: (req: import('node:http').IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => void) {
  server = createServer();
  server.on('upgrade', (req, socket, head) => {
    sockets.add(socket);
    onUpgrade(req, socket, head);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('connectWebSocket', () => {
  it('opens with the given headers and resolves once open', async () => {
    wss = new WebSocketServer({ noServer: true });
    let seenAuth: string | undefined;
    const url = await listen((req, socket, head) => {
      seenAuth = req.headers.authorization;
      wss?.handleUpgrade(req, socket, head, (ws) => ws.send('hi'));
    });
    const ws = await connectWebSocket(`${url}/v1/listen`, { provider: 'acme', headers: { authorization: 'Token k' } });
    const first = await new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    expect(seenAuth).toBe('Token k');
    expect(first).toBe('hi');
    ws.close();
  });

  it('masks its frames with a zero key on loopback: the payload goes out as it is', async () => {
    const received: Buffer[] = [];
    const url = await listen((req, socket) => {
      const accept = createHash('sha1')
        .update(`${String(req.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      socket.on('data', (chunk: Buffer) => received.push(chunk));
    });
    const ws = await connectWebSocket(url, { provider: 'acme' });
    ws.send(Buffer.from([1, 2, 3, 4, 5]));
    await expect.poll(() => Buffer.concat(received).length).toBeGreaterThanOrEqual(11);
    const frame = Buffer.concat(received);
    // FIN + binary; MASK bit set (a client frame is always masked), length 5; key 0 0 0 0; payload.
    expect([...frame.subarray(0, 11)]).toEqual([0x82, 0x80 | 5, 0, 0, 0, 0, 1, 2, 3, 4, 5]);
    ws.terminate();
  });

  it('maps a 401 on the upgrade to a non-retryable auth error naming the env var', async () => {
    const url = await listen((_req, socket) => {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 12\r\n\r\nbad key here');
    });
    const error = await connectWebSocket(url, { provider: 'acme', apiKeyEnv: 'ACME_API_KEY' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect(error).toMatchObject({ status: 401, retryable: false, provider: 'acme' });
    expect((error as Error).message).toContain('ACME_API_KEY');
  });

  it('maps a 429 to a retryable status error with retry-after', async () => {
    const url = await listen((_req, socket) => {
      socket.end('HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nContent-Length: 0\r\n\r\n');
    });
    const error = await connectWebSocket(url, { provider: 'acme' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderStatusError);
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfter: 3 });
  });

  it('times out a handshake that never completes', async () => {
    const url = await listen(() => {});
    const error = await connectWebSocket(url, { provider: 'acme', timeoutMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderTimeoutError);
    expect(error).toMatchObject({ retryable: true });
  });

  it('reports a refused connection as a retryable connection error', async () => {
    const url = await listen(() => {});
    const port = (server?.address() as AddressInfo).port;
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    const error = await connectWebSocket(`ws://127.0.0.1:${port}`, { provider: 'acme' }).catch((e: unknown) => e);
    expect(url).toContain(String(port));
    expect(error).toBeInstanceOf(ProviderConnectionError);
  });

  it('rejects with the abort reason and leaves no socket behind', async () => {
    const url = await listen(() => {});
    const controller = new AbortController();
    const pending = connectWebSocket(url, { provider: 'acme', signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});
