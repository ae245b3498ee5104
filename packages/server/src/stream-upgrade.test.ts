import { afterEach, describe, expect, it } from 'vitest';
import { StreamToken } from './stream-token.js';
import { closed, inboundStreamUrl, openStream, send, startTestServer, waitFor, type TestServer } from './test-support/test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.handle.close({ timeoutMs: 0 });
  server = undefined;
});

function withPath(url: string, change: (parts: string[]) => void): string {
  const parsed = new URL(url);
  const parts = parsed.pathname.split('/');
  change(parts);
  parsed.pathname = parts.join('/');
  return parsed.toString();
}

describe('media stream upgrade', () => {
  it('accepts a stream with its own token and hands its audio to a session', async () => {
    server = await startTestServer();
    const url = await inboundStreamUrl(server.handle);
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/fake\/stream\/[0-9a-f]{32}\/[0-9a-z]+\.[\w-]{43}$/);
    const ws = await openStream(url);
    send(ws, { event: 'start', callId: 'CA1' });
    send(ws, { event: 'media', payload: Buffer.from([1, 2, 3]).toString('base64') });
    await waitFor(() => server!.sessions[0]?.audio.length === 1);
    expect([...server.sessions[0]!.audio[0]!]).toEqual([1, 2, 3]);
    expect(server.carrier.accepted[0]).toMatchObject({ direction: 'inbound' });
    ws.close();
  });

  it('refuses a stream without a token before any session exists', async () => {
    server = await startTestServer();
    const url = await inboundStreamUrl(server.handle);
    const noToken = withPath(url, (parts) => parts.pop());
    await expect(openStream(noToken)).rejects.toThrow('refused 401');
    const emptyToken = withPath(url, (parts) => (parts[parts.length - 1] = ''));
    await expect(openStream(emptyToken)).rejects.toThrow('refused 401');
    expect(server.sessions).toHaveLength(0);
    expect(server.carrier.accepted).toHaveLength(0);
  });

  it("refuses another call's token", async () => {
    server = await startTestServer();
    const first = await inboundStreamUrl(server.handle);
    const second = await inboundStreamUrl(server.handle);
    const otherToken = new URL(second).pathname.split('/').pop()!;
    const swapped = withPath(first, (parts) => (parts[parts.length - 1] = otherToken));
    await expect(openStream(swapped)).rejects.toThrow('refused 401');
    expect(server.sessions).toHaveLength(0);
  });

  it('refuses an expired token and a forged one', async () => {
    process.env.PATTER_STREAM_SECRET = 'shared-secret-0123456789';
    try {
      server = await startTestServer();
    } finally {
      delete process.env.PATTER_STREAM_SECRET;
    }
    const url = await inboundStreamUrl(server.handle);
    const callRef = new URL(url).pathname.split('/')[3]!;
    const signedAnHourAgo = new StreamToken('shared-secret-0123456789', () => Date.now() - 3_600_000);
    const expired = signedAnHourAgo.sign(callRef, 60_000);
    await expect(openStream(withPath(url, (parts) => (parts[parts.length - 1] = expired)))).rejects.toThrow('refused 401');
    const stillValid = new StreamToken('shared-secret-0123456789').sign(callRef, 60_000);
    const forged = new StreamToken('another-secret-0123456789').sign(callRef, 60_000);
    await expect(openStream(withPath(url, (parts) => (parts[parts.length - 1] = forged)))).rejects.toThrow('refused 401');
    expect(server.sessions).toHaveLength(0);
    // The same secret, in date: accepted (so the refusals above were about expiry and forgery).
    const ws = await openStream(withPath(url, (parts) => (parts[parts.length - 1] = stillValid)));
    expect(server.carrier.accepted).toHaveLength(1);
    ws.close();
  });

  it('refuses a token once its stream connected (no replay)', async () => {
    server = await startTestServer();
    const url = await inboundStreamUrl(server.handle);
    const ws = await openStream(url);
    await expect(openStream(url)).rejects.toThrow('refused 409');
    ws.close();
    await closed(ws);
    await expect(openStream(url)).rejects.toThrow('refused 409');
    expect(server.sessions).toHaveLength(1);
  });
});
