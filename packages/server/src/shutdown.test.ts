import { afterEach, describe, expect, it } from 'vitest';
import { inboundStreamUrl, openStream, send, startTestServer, waitFor, type TestServer } from './test-support/test-server.js';

const SIGNAL = 'SIGUSR2';
let server: TestServer | undefined;
// Another listener stays installed, so the server never re-raises the signal into the test process.
const keepAlive = () => {};

afterEach(async () => {
  // Close the server (awaiting a drain the signal may have started) BEFORE removing the keep-alive
  // listener: the server's re-raise check runs when that drain settles, and it must still see a
  // listener, or the re-raised SIGUSR2 would kill the test worker.
  try {
    await server?.handle.close({ timeoutMs: 0 });
    await waitFor(() => process.listenerCount(SIGNAL) <= 1, 15_000);
  } finally {
    server = undefined;
    process.off(SIGNAL, keepAlive);
  }
});

describe('shutdown signals', () => {
  it('drains on the first signal and hangs up at once on the second', async () => {
    process.on(SIGNAL, keepAlive);
    const ends: string[] = [];
    server = await startTestServer({
      shutdownSignals: [SIGNAL],
      shutdownTimeoutMs: 120_000,
      onCallEnd: (summary) => void ends.push(summary.reason),
    });
    const ws = await openStream(await inboundStreamUrl(server.handle));
    send(ws, { event: 'start', callId: 'CA1' });
    await waitFor(() => server!.handle.activeCalls === 1, 15_000);

    process.emit(SIGNAL, SIGNAL);
    expect(server.carrier.host?.acceptingCalls()).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ends).toEqual([]); // the call may go on for up to 120 s

    const hurried = Date.now();
    process.emit(SIGNAL, SIGNAL);
    await waitFor(() => ends.length === 1, 30_000);
    expect(ends).toEqual(['shutdown']);
    // Far below the 120 s drain deadline: the second signal did not wait for it.
    expect(Date.now() - hurried).toBeLessThan(30_000);
    // The handlers are removed once the shutdown finished.
    await waitFor(() => process.listenerCount(SIGNAL) === 1, 30_000);
  }, 90_000);

  it('a shutdown still running when the test ends cannot re-raise the signal into the test process', async () => {
    process.on(SIGNAL, keepAlive);
    server = await startTestServer({ shutdownSignals: [SIGNAL], shutdownTimeoutMs: 120_000 });
    const ws = await openStream(await inboundStreamUrl(server.handle));
    send(ws, { event: 'start', callId: 'CA1' });
    await waitFor(() => server!.handle.activeCalls === 1, 15_000);
    process.emit(SIGNAL, SIGNAL); // a drain of up to 120 s starts; afterEach must end it before dropping keepAlive
    expect(process.listenerCount(SIGNAL)).toBe(2);
  }, 60_000);
});
