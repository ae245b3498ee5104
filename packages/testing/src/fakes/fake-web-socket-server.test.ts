import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FakeWebSocketServer } from './fake-web-socket-server.js';

let server: FakeWebSocketServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function open(url: string, protocols?: string[], headers?: Record<string, string>): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, headers ? { headers } : {});
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}


describe('FakeWebSocketServer', () => {
  it('records path, query, headers, sub-protocols and every message in order', async () => {
    server = await FakeWebSocketServer.start({ path: '/v1/listen' });
    const ws = await open(`${server.url}/v1/listen?model=nova-3&encoding=mulaw`, ['token', 'secret'], {
      authorization: 'Token abc',
    });
    const conn = await server.nextConnection();
    ws.send('{"type":"KeepAlive"}');
    ws.send(new Uint8Array([1, 2, 3]));
    ws.send(new Uint8Array([4, 5]));
    await conn.waitForBinaryBytes(5);
    expect(conn.path).toBe('/v1/listen');
    expect(conn.query.get('model')).toBe('nova-3');
    expect(conn.headers.authorization).toBe('Token abc');
    expect(conn.subprotocols).toEqual(['token', 'secret']);
    expect(conn.protocol).toBe('token');
    expect(conn.jsonMessages()).toEqual([{ type: 'KeepAlive' }]);
    expect([...conn.binaryBytes()]).toEqual([1, 2, 3, 4, 5]);
    expect((await conn.nextMessage()).data).toBe('{"type":"KeepAlive"}');
    expect([...((await conn.nextMessage()).data as Uint8Array)]).toEqual([1, 2, 3]);
    expect(conn.received().map((m) => m.isBinary)).toEqual([false, true, true]);
    ws.close(4000, 'bye');
    expect(await conn.closed).toMatchObject({ code: 4000, reason: 'bye', byServer: false });
  });

  it('rejects a wrong path with 404 and scripted upgrades with status, headers and body', async () => {
    server = await FakeWebSocketServer.start({
      path: '/ws',
      onUpgrade: (req) =>
        req.headers.authorization === 'ok' ? undefined : { reject: { status: 429, headers: { 'retry-after': '7' }, body: 'slow down' } },
    });
    const statusOf = (url: string, headers?: Record<string, string>): Promise<[number, string | undefined, string]> =>
      new Promise((resolve) => {
        const ws = new WebSocket(url, headers ? { headers } : {});
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve([res.statusCode ?? 0, res.headers['retry-after'], body]));
        });
        ws.on('error', () => undefined);
      });
    expect((await statusOf(`${server.url}/other`))[0]).toBe(404);
    expect(await statusOf(`${server.url}/ws`)).toEqual([429, '7', 'slow down']);
    await open(`${server.url}/ws`, undefined, { authorization: 'ok' });
    expect(server.upgrades.map((u) => u.status)).toEqual([404, 429, 101]);
    expect(server.connections).toHaveLength(1);
  });

  it('scripts sends, delayed sends, close codes and abrupt drops', async () => {
    server = await FakeWebSocketServer.start({
      onConnection: async (conn) => {
        await conn.send({ type: 'hello' });
        await conn.send(new Uint8Array([9, 9]));
        await conn.sendAfter(30, 'late');
        if (conn.query.get('drop')) await conn.terminate();
        else await conn.close(4001, 'done');
      },
    });
    const client = new WebSocket(`${server.url}/`);
    const inbox: Array<{ data: Buffer; isBinary: boolean }> = [];
    const waiters: Array<(m: { data: Buffer; isBinary: boolean }) => void> = [];
    client.on('message', (data, isBinary) => {
      const m = { data: data as Buffer, isBinary };
      const w = waiters.shift();
      if (w) w(m);
      else inbox.push(m);
    });
    const next = (): Promise<{ data: Buffer; isBinary: boolean }> =>
      inbox.length > 0 ? Promise.resolve(inbox.shift()!) : new Promise((r) => waiters.push(r));
    const ws = client;
    const first = await next();
    expect(JSON.parse(first.data.toString())).toEqual({ type: 'hello' });
    const second = await next();
    expect(second.isBinary).toBe(true);
    const started = performance.now();
    const third = await next();
    expect(third.data.toString()).toBe('late');
    expect(performance.now() - started).toBeGreaterThanOrEqual(20);
    const [code, reason] = await new Promise<[number, string]>((r) => ws.once('close', (c, why) => r([c, why.toString()])));
    expect([code, reason]).toEqual([4001, 'done']);
    expect(await server.connections[0]?.closed).toMatchObject({ code: 4001, byServer: true });

    const dropped = await open(`${server.url}/?drop=1`);
    const dropCode = await new Promise<number>((r) => dropped.once('close', (c) => r(c)));
    expect(dropCode).toBe(1006);
  });

  it('times out waits and fails them when the connection closes', async () => {
    server = await FakeWebSocketServer.start();
    const ws = await open(server.url);
    const conn = await server.nextConnection();
    await expect(conn.nextMessage(30)).rejects.toThrow(/timed out/);
    const pending = conn.waitFor((m) => m.data === 'never', 5_000);
    ws.close();
    await expect(pending).rejects.toThrow(/closed/);
    await expect(server.nextConnection(20)).rejects.toThrow(/timed out/);
  });

  it('close() drops live clients and pending timers so the process can exit', async () => {
    server = await FakeWebSocketServer.start({ onConnection: (conn) => void conn.sendAfter(60_000, 'never') });
    const ws = await open(server.url);
    const closed = new Promise<number>((r) => ws.once('close', (c) => r(c)));
    await server.close();
    expect(await closed).toBe(1006);
    expect(server.errors).toEqual([]);
  });
});

describe('WaitableLog', () => {
  it('hands each item to one pending next() and keeps later items for later calls', async () => {
    const { WaitableLog } = await import('./waitable-log.js');
    const log = new WaitableLog<number>('number');
    const first = log.next(500);
    const second = log.next(500);
    log.push(1);
    log.push(2);
    log.push(3);
    expect([await first, await second, await log.next(50)]).toEqual([1, 2, 3]);
    expect(await log.waitFor((n) => n === 2)).toBe(2);
    await expect(log.next(20)).rejects.toThrow(/timed out/);
  });
});
