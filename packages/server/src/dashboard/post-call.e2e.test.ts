import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallRecord } from '@patter/store';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore } from '../test-support/history-store.js';
import { RecordingSession } from '../test-support/recording-session.js';
import { closed, inboundStreamUrl, openStream, send, startTestServer, waitFor, type TestServer } from '../test-support/test-server.js';
import { POST_CALL_SIGNATURE_HEADER, signPostCall, verifyPostCallSignature } from './post-call-signature.js';

// Post-call webhooks through the real server: signed, retried with (short, for the test) backoff
// from the store's outbox while the receiver is down, delivered once each and in order, and
// still delivered by the next server when this one stopped before the receiver came back.

const SECRET = 'post-call-secret-0123456789';
let testStore: Awaited<ReturnType<typeof openTestStore>>;
const servers: TestServer[] = [];

beforeAll(async () => {
  testStore = await openTestStore();
}, 120_000);
afterAll(async () => {
  await testStore.store.close();
});
afterEach(async () => {
  for (const server of servers.splice(0)) await server.handle.close({ timeoutMs: 0 });
});

/** A receiver that answers 503 while `failing`, and can be stopped (connection refused) and restarted on its port. */
async function receiver() {
  const got: { id: string; callId: string; signatureOk: boolean; eventId: string }[] = [];
  let attempts = 0;
  let failing = false;
  let server: Server | undefined;
  let port = 0;
  const start = async (): Promise<void> => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        attempts += 1;
        if (failing) return void res.writeHead(503).end();
        const body = Buffer.concat(chunks).toString('utf8');
        const payload = JSON.parse(body) as { type: string; call: CallRecord };
        got.push({
          id: payload.call.callId,
          callId: payload.call.callId,
          eventId: String(req.headers['patter-event-id']),
          signatureOk: payload.type === 'call.ended' && verifyPostCallSignature(body, req.headers[POST_CALL_SIGNATURE_HEADER] as string, SECRET),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server!.address() as AddressInfo).port;
  };
  await start();
  return {
    url: () => `http://127.0.0.1:${port}/hooks/calls`,
    got,
    attempts: () => attempts,
    setFailing: (value: boolean) => void (failing = value),
    stop: () => new Promise<void>((resolve) => { server!.closeAllConnections(); server!.close(() => resolve()); }),
    start,
  };
}

async function call(server: TestServer, callId: string): Promise<void> {
  const ws = await openStream(await inboundStreamUrl(server.handle));
  send(ws, { event: 'start', callId });
  await waitFor(() => RecordingSession.all.some((s) => s.options.transport.info?.callId === callId));
  const session = RecordingSession.all.find((s) => s.options.transport.info?.callId === callId) as RecordingSession;
  session.emit('transcript', { role: 'user', text: `hello from ${callId}`, isFinal: true });
  ws.close();
  await closed(ws);
}

describe('post-call webhooks', () => {
  it('the signature verifies over the raw body and a fresh timestamp only', () => {
    const header = signPostCall('{"a":1}', SECRET, 1_700_000_000);
    expect(verifyPostCallSignature('{"a":1}', header, SECRET, { nowS: 1_700_000_100 })).toBe(true);
    expect(verifyPostCallSignature('{"a":2}', header, SECRET, { nowS: 1_700_000_100 })).toBe(false);
    expect(verifyPostCallSignature('{"a":1}', header, 'another-secret-0123456789', { nowS: 1_700_000_100 })).toBe(false);
    expect(verifyPostCallSignature('{"a":1}', header, SECRET, { nowS: 1_700_000_000 + 301 })).toBe(false);
    expect(verifyPostCallSignature('{"a":1}', undefined, SECRET)).toBe(false);
  });

  it('a receiver down (refusing, then 503) gets every record once, in order, signed; a restart does not lose any', async () => {
    await testStore.reset();
    RecordingSession.reset();
    const hook = await receiver();
    await hook.stop();
    const postCall = { url: hook.url(), secret: SECRET, retryMs: 20, maxRetryMs: 150 };
    const first = await startTestServer({ store: testStore.store, postCall });
    servers.push(first);
    for (const id of ['CA-1', 'CA-2', 'CA-3']) await call(first, id);
    // Down (connection refused) for a while: nothing delivered, the outbox holds all three.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await testStore.store.outbox.pendingCount('postCall')).toBe(3);
    // This server stops before the receiver is back.
    await first.handle.close({ timeoutMs: 0 });
    servers.splice(0);
    // The receiver comes back answering 503 at first; a new server on the same store resumes.
    await hook.start();
    hook.setFailing(true);
    const second = await startTestServer({ store: testStore.store, postCall });
    servers.push(second);
    await call(second, 'CA-4');
    await waitFor(() => hook.attempts() >= 3, 10_000);
    expect(hook.got).toEqual([]);
    hook.setFailing(false);
    await waitFor(() => hook.got.length >= 4, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hook.got.map((g) => g.callId)).toEqual(['CA-1', 'CA-2', 'CA-3', 'CA-4']);
    expect(hook.got.every((g) => g.signatureOk)).toBe(true);
    expect(new Set(hook.got.map((g) => g.eventId)).size).toBe(4);
    expect(await testStore.store.outbox.pendingCount('postCall')).toBe(0);
    await hook.stop();
  }, 60_000);

  it('two servers sharing the store: each record is delivered once, in order (the head is leased to one of them)', async () => {
    await testStore.reset();
    RecordingSession.reset();
    const hook = await receiver();
    hook.setFailing(true);
    const postCall = { url: hook.url(), secret: SECRET, retryMs: 10, maxRetryMs: 40 };
    const a = await startTestServer({ store: testStore.store, postCall });
    const b = await startTestServer({ store: testStore.store, postCall });
    servers.push(a, b);
    // Both servers' delivery loops are busy on the same outbox head while the receiver fails.
    await call(a, 'CA-1');
    await call(b, 'CA-2');
    await call(a, 'CA-3');
    await call(b, 'CA-4');
    await waitFor(() => hook.attempts() >= 10, 10_000);
    hook.setFailing(false);
    await waitFor(() => hook.got.length >= 4, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(hook.got.map((g) => g.callId)).toEqual(['CA-1', 'CA-2', 'CA-3', 'CA-4']);
    expect(hook.got.every((g) => g.signatureOk)).toBe(true);
    await hook.stop();
  }, 60_000);
});
