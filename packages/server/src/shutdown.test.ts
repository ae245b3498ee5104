import { afterEach, describe, expect, it } from 'vitest';
import { inboundStreamUrl, openStream, send, startTestServer, waitFor, type TestServer } from './test-support/test-server.js';

const SIGNAL = 'SIGUSR2';
let server: TestServer | undefined;
// Another listener stays installed, so the server never re-raises the signal into the test process.
const keepAlive = () => {};

afterEach(async () => {
  process.off(SIGNAL, keepAlive);
  await server?.handle.close({ timeoutMs: 0 });
  server = undefined;
});

describe('shutdown signals', () => {
  it('drains on the first signal and hangs up at once on the second', async () => {
    process.on(SIGNAL, keepAlive);
    const ends: string[] = [];
    server = await startTestServer({
      shutdownSignals: [SIGNAL],
      shutdownTimeoutMs: 60_000,
      onCallEnd: (summary) => void ends.push(summary.reason),
    });
    const ws = await openStream(await inboundStreamUrl(server.handle));
    send(ws, { event: 'start', callId: 'CA1' });
    await waitFor(() => server!.handle.activeCalls === 1);

    process.emit(SIGNAL, SIGNAL);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.carrier.host?.acceptingCalls()).toBe(false);
    expect(ends).toEqual([]); // the call may go on for up to 60 s

    const hurried = Date.now();
    process.emit(SIGNAL, SIGNAL);
    await waitFor(() => ends.length === 1, 3_000);
    expect(ends).toEqual(['shutdown']);
    expect(Date.now() - hurried).toBeLessThan(2_000);
    // The handlers are removed once the shutdown finished.
    await waitFor(() => process.listenerCount(SIGNAL) === 1, 3_000);
  });
});
