import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { closed, inboundStreamUrl, openStream, post, send, startTestServer, waitFor, type TestServer } from './test-support/test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.handle.close({ timeoutMs: 0 });
  server = undefined;
});

describe('HTTP server', () => {
  it('reports health with the number of active calls', async () => {
    server = await startTestServer();
    const before = await fetch(`${server.handle.url}/health`);
    expect(before.status).toBe(200);
    expect(await before.json()).toEqual({ status: 'ok', activeCalls: 0, pendingCalls: 0, carrier: 'fake' });
    const ws = await openStream(await inboundStreamUrl(server.handle));
    send(ws, { event: 'start', callId: 'CA1' });
    await waitFor(() => server!.handle.activeCalls === 1);
    const during = (await (await fetch(`${server.handle.url}/health`)).json()) as { activeCalls: number };
    expect(during.activeCalls).toBe(1);
    ws.close();
  });

  it('mounts the carrier routes and answers 404 / 405 elsewhere', async () => {
    server = await startTestServer();
    expect((await fetch(`${server.handle.url}/nope`)).status).toBe(404);
    const wrongMethod = await fetch(`${server.handle.url}/fake/voice`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect((await fetch(`${server.handle.url}/fake/voice`, { method: 'POST' })).status).toBe(200);
  });

  it('refuses a webhook body over maxBodyBytes with 413, declared or streamed', async () => {
    server = await startTestServer({ maxBodyBytes: 1024 });
    const big = await fetch(`${server.handle.url}/fake/event`, { method: 'POST', body: 'x'.repeat(2048) });
    expect(big.status).toBe(413);
    // Chunked (no Content-Length): counted while streaming.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server!.handle.url}/fake/event`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('y'.repeat(800));
      req.end('y'.repeat(800));
    });
    expect(status).toBe(413);
    const ok = await fetch(`${server.handle.url}/fake/event`, {
      method: 'POST',
      body: JSON.stringify({ type: 'status', callId: 'CAx', status: 'ringing' }),
    });
    expect(ok.status).toBe(204);
  });

  it('closes a media stream whose message exceeds maxMessageBytes (1009), before buffering it', async () => {
    server = await startTestServer({ maxMessageBytes: 1024 });
    const ws = await openStream(await inboundStreamUrl(server.handle));
    send(ws, { event: 'start', callId: 'CA1' });
    await waitFor(() => server!.handle.activeCalls === 1);
    send(ws, { event: 'media', payload: 'A'.repeat(600) }); // under the limit: delivered
    await waitFor(() => server!.sessions[0]!.audio.length === 1);
    ws.send('x'.repeat(2048));
    expect(await closed(ws)).toBe(1009);
    await waitFor(() => server!.handle.activeCalls === 0);
  });

  it('caps concurrent connections per IP address', async () => {
    server = await startTestServer({ maxConnectionsPerIp: 2 });
    const first = await openStream(await inboundStreamUrl(server.handle));
    const second = await openStream(await inboundStreamUrl(server.handle));
    // Both connections are busy with streams, so the webhook request itself is over the cap.
    const third = await post(`${server.handle.url}/fake/voice`, '').then(
      (response) => response.status,
      () => 'refused',
    );
    expect(third).toBe(429);
    const raw = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server!.handle.port}/fake/stream/x/y`);
      ws.once('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      ws.once('error', () => resolve('error'));
    });
    expect(raw).toBe('429');
    first.close();
    second.close();
    await waitFor(() => server!.handle.activeCalls === 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await post(`${server.handle.url}/fake/voice`, '')).status).toBe(200);
  });
});
