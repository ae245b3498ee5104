import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderAuthError, ProviderStatusError } from '../errors/provider-error.js';
import { httpRequest } from './http-request.js';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('httpRequest', () => {
  it('posts JSON and streams the body back chunk by chunk', async () => {
    let received = '';
    let contentType: string | undefined;
    const url = await listen((req, res) => {
      contentType = req.headers['content-type'];
      req.on('data', (d: Buffer) => (received += d.toString()));
      req.on('end', () => {
        res.write('one,');
        setTimeout(() => res.end('two'), 10);
      });
    });
    const response = await httpRequest(`${url}/speak`, { provider: 'acme', body: { text: 'hi' } });
    const parts: string[] = [];
    for await (const chunk of response.body) parts.push(Buffer.from(chunk).toString());
    expect(JSON.parse(received)).toEqual({ text: 'hi' });
    expect(contentType).toBe('application/json');
    expect(parts.join('')).toBe('one,two');
    expect(parts.length).toBeGreaterThanOrEqual(2);
  });

  it('sends a text body as bytes of its own, not a slice of the shared buffer pool held for the whole response', async () => {
    const sent: unknown[] = [];
    class RecordingAgent extends Agent {
      override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
        sent.push(options.body);
        return super.dispatch(options, handler);
      }
    }
    const dispatcher = new RecordingAgent();
    const received: string[] = [];
    const url = await listen((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (text += d));
      req.on('end', () => {
        received.push(text);
        res.end('ok');
      });
    });
    try {
      for (const body of ['{"transcript":"Café ☎ at 8"}', { transcript: 'Café ☎ at 8' }]) {
        const response = await httpRequest(url, { provider: 'acme', body, dispatcher });
        await response.body.text();
      }
    } finally {
      await dispatcher.close();
    }
    expect(received).toEqual(['{"transcript":"Café ☎ at 8"}', '{"transcript":"Café ☎ at 8"}']);
    for (const body of sent) {
      expect(body).toBeInstanceOf(Uint8Array);
      const bytes = body as Uint8Array;
      expect(bytes.byteLength).toBe(Buffer.byteLength('{"transcript":"Café ☎ at 8"}'));
      expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
    }
  });

  it("buffers the response body up to the highWaterMark asked for (undici's 64 KiB otherwise)", async () => {
    const url = await listen((_req, res) => res.end('audio'));
    const small = await httpRequest(url, { provider: 'acme', highWaterMark: 16 * 1024 });
    expect(small.body.readableHighWaterMark).toBe(16 * 1024);
    expect(await small.body.text()).toBe('audio');
    const usual = await httpRequest(url, { provider: 'acme' });
    expect(usual.body.readableHighWaterMark).toBe(64 * 1024);
    await usual.body.text();
  });

  it('throws a status error with retry-after and the body for a 429', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(429, { 'retry-after': '7' }).end('{"error":"rate"}');
    });
    const error = await httpRequest(url, { provider: 'acme' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderStatusError);
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfter: 7, body: '{"error":"rate"}' });
  });

  it('prefers retry-after-ms, and lets x-should-retry override the status', async () => {
    const replies: [number, Record<string, string>][] = [
      [429, { 'retry-after-ms': '1500', 'retry-after': '7' }],
      [500, { 'x-should-retry': 'false' }],
      [400, { 'x-should-retry': 'true', 'retry-after-ms': 'soon', 'retry-after': '2' }],
    ];
    const url = await listen((_req, res) => {
      const [status, headers] = replies.shift()!;
      res.writeHead(status, headers).end();
    });
    const errors = [];
    for (let i = 0; i < 3; i++) errors.push(await httpRequest(url, { provider: 'acme' }).catch((e: unknown) => e));
    expect(errors[0]).toMatchObject({ status: 429, retryable: true, retryAfter: 1.5 });
    expect(errors[1]).toMatchObject({ status: 500, retryable: false });
    expect(errors[2]).toMatchObject({ status: 400, retryable: true, retryAfter: 2 });
  });

  it('throws an auth error naming the env var for a 401', async () => {
    const url = await listen((_req, res) => res.writeHead(401).end());
    const error = await httpRequest(url, { provider: 'acme', apiKeyEnv: 'ACME_API_KEY' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect((error as Error).message).toContain('ACME_API_KEY');
  });

  it('closes the request on the server side when aborted mid-body', async () => {
    let serverSawClose!: () => void;
    const closed = new Promise<void>((resolve) => (serverSawClose = resolve));
    const url = await listen((_req, res) => {
      res.write('first');
      res.on('close', () => serverSawClose());
    });
    const controller = new AbortController();
    const response = await httpRequest(url, { provider: 'acme', signal: controller.signal });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of response.body) {
          seen.push(Buffer.from(chunk).toString());
          controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ name: 'AbortError' });
    await closed;
    expect(seen).toEqual(['first']);
  });
});
