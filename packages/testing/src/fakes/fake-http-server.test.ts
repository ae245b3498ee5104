import { afterEach, describe, expect, it } from 'vitest';
import { FakeHttpServer } from './fake-http-server.js';

let server: FakeHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('FakeHttpServer', () => {
  it('records method, path, query, headers and body; parses json, form and multipart', async () => {
    server = await FakeHttpServer.start({
      'POST /v1/speak': (_req, res) => res.json(200, { ok: true }),
      'POST /form': (_req, res) => res.send(204),
      'POST /upload': (_req, res) => res.send(200, 'uploaded'),
    });
    const r1 = await fetch(`${server.url}/v1/speak?voice=coral`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hi' }),
    });
    expect(await r1.json()).toEqual({ ok: true });
    await fetch(`${server.url}/form`, { method: 'POST', body: new URLSearchParams({ a: '1', b: 'two' }) });
    const form = new FormData();
    form.append('model', 'whisper-1');
    form.append('file', new Blob([new Uint8Array([0, 1, 2, 255])], { type: 'audio/wav' }), 'a.wav');
    expect(await (await fetch(`${server.url}/upload`, { method: 'POST', body: form })).text()).toBe('uploaded');

    const [speak, formReq, upload] = server.requests;
    expect(speak?.method).toBe('POST');
    expect(speak?.path).toBe('/v1/speak');
    expect(speak?.query.get('voice')).toBe('coral');
    expect(speak?.header('Authorization')).toBe('Bearer k');
    expect(speak?.json()).toEqual({ text: 'hi' });
    expect(Object.fromEntries(formReq?.form() ?? [])).toEqual({ a: '1', b: 'two' });
    const parts = upload?.multipart() ?? [];
    expect(parts.map((p) => [p.name, p.filename, p.contentType])).toEqual([
      ['model', undefined, undefined],
      ['file', 'a.wav', 'audio/wav'],
    ]);
    expect(parts[0]?.text).toBe('whisper-1');
    expect([...(parts[1]?.data ?? [])]).toEqual([0, 1, 2, 255]);
  });

  it('answers unknown routes with 404 and handler errors with 500', async () => {
    server = await FakeHttpServer.start({
      'GET /boom': () => {
        throw new RangeError('scripted');
      },
    });
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/boom`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${server.url}/boom`)).status).toBe(500);
    expect(server.errors).toHaveLength(1);
  });

  it('streams chunks with delays', async () => {
    server = await FakeHttpServer.start((_req, res) =>
      res.stream({ chunks: ['a', new Uint8Array([98]), { data: 'c', delayMs: 40 }], headers: { 'x-k': 'v' } }),
    );
    const res = await fetch(server.url);
    expect(res.headers.get('x-k')).toBe('v');
    const reader = res.body!.getReader();
    const arrivals: Array<[string, number]> = [];
    const t0 = performance.now();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arrivals.push([Buffer.from(value).toString(), performance.now() - t0]);
    }
    expect(arrivals.map(([t]) => t).join('')).toBe('abc');
    expect(arrivals.at(-1)?.[1]).toBeGreaterThanOrEqual(30);
  });

  it('destroys mid-stream: the client sees a truncated body error', async () => {
    server = await FakeHttpServer.start((_req, res) => res.stream({ chunks: ['partial'], then: 'destroy' }));
    const res = await fetch(server.url);
    await expect(res.text()).rejects.toThrow();
  });

  it('sees the client abort a hanging stream', async () => {
    server = await FakeHttpServer.start((_req, res) => res.stream({ chunks: ['x'], then: 'hang' }));
    const controller = new AbortController();
    const res = await fetch(server.url, { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    const request = await server.nextRequest();
    expect(request.clientAborted).toBe(false);
    controller.abort();
    await request.clientClosed;
    expect(request.clientAborted).toBe(true);
  });

  it('a completed exchange is not an abort; close() drops hanging clients', async () => {
    server = await FakeHttpServer.start({
      'GET /ok': (_req, res) => res.send(200, 'fine'),
      'GET /hang': (_req, res) => res.stream({ chunks: [{ data: 'late', delayMs: 60_000 }] }),
    });
    await (await fetch(`${server.url}/ok`)).text();
    const ok = await server.nextRequest();
    await ok.clientClosed;
    expect(ok.clientAborted).toBe(false);
    const hanging = fetch(`${server.url}/hang`).then((r) => r.text());
    await server.nextRequest();
    await server.close();
    await expect(hanging).rejects.toThrow();
  });
});
