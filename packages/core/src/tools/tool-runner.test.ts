import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CallControl } from '../call/call-control.js';
import { ConfigError } from '../errors/config-error.js';
import { silentLogger } from '../log/logger.js';
import { defineTool, type ToolContext, type WebhookTool } from './tool.js';
import { ToolRunner } from './tool-runner.js';
import { WEBHOOK_SIGNATURE_HEADER } from './webhook-tool.js';

const control: CallControl = {
  callId: 'CA1',
  callRef: 'ref-1',
  carrier: 'fake',
  ended: false,
  transfer: async () => {},
  hangup: async () => {},
  sendDtmf: async () => {},
  say: async () => {},
};

function context(signal = new AbortController().signal): ToolContext {
  return { call: control, callId: 'CA1', variables: {}, signal, logger: silentLogger };
}

const req = (name: string, args: string) => ({ id: 'id1', name, arguments: args });

describe('ToolRunner', () => {
  it('exposes user tools and the built-ins as specs; a user tool replaces a built-in of the same name', () => {
    const runner = new ToolRunner([
      defineTool({ name: 'lookup', description: 'Look up', parameters: { type: 'object' }, handler: () => 'x' }),
      defineTool({ name: 'end_call', description: 'custom end', parameters: { type: 'object' }, handler: () => 'bye' }),
    ]);
    expect(runner.specs.map((s) => [s.name, s.description])).toEqual([
      ['lookup', 'Look up'],
      ['end_call', 'custom end'],
      ['transfer_call', expect.stringContaining('Transfer the caller')],
    ]);
    expect(new ToolRunner([], { builtins: false }).specs).toEqual([]);
  });

  it('rejects duplicate or invalid names and unconvertible schemas at construction', () => {
    const t = defineTool({ name: 'a', description: '', parameters: { type: 'object' }, handler: () => 1 });
    expect(() => new ToolRunner([t, t])).toThrow(ConfigError);
    expect(() => new ToolRunner([{ ...t, name: 'has space' }])).toThrow(/must be 1-64/);
    expect(() => new ToolRunner([{ ...t, parameters: { '~standard': { validate: () => ({ value: 1 }) } } }])).toThrow(
      /cannot be converted to JSON schema/,
    );
  });

  it('validates JSON-schema arguments and returns readable errors instead of calling the handler', async () => {
    let called = 0;
    const runner = new ToolRunner([
      defineTool({
        name: 'book',
        description: 'Book a table',
        parameters: {
          type: 'object',
          properties: { people: { type: 'integer', minimum: 1, maximum: 12 }, date: { type: 'string' } },
          required: ['people', 'date'],
          additionalProperties: false,
        },
        handler: () => {
          called++;
          return 'booked';
        },
      }),
    ]);
    const bad = await runner.run(req('book', '{"people":0}'), context());
    expect(bad.error).toMatch(/^invalid arguments: /);
    expect(bad.error).toMatch(/people/);
    expect(bad.error).toMatch(/date/);
    expect(JSON.parse(bad.content)).toEqual({ error: bad.error });
    expect((await runner.run(req('book', '{"people":2'), context())).error).toBe('arguments are not valid JSON');
    expect((await runner.run(req('nope', '{}'), context())).error).toBe('unknown tool "nope"');
    expect(called).toBe(0);
    const ok = await runner.run(req('book', '{"people":2,"date":"today"}'), context());
    expect(ok).toMatchObject({ content: 'booked', result: 'booked', arguments: { people: 2, date: 'today' } });
    expect(called).toBe(1);
  });

  it('accepts a zod schema: JSON schema for the model, zod validation and transforms for the handler', async () => {
    const seen: unknown[] = [];
    const runner = new ToolRunner(
      [
        defineTool({
          name: 'order',
          description: 'Order pizza',
          parameters: z.object({ size: z.enum(['s', 'm', 'l']), count: z.number().int().positive().default(1) }),
          handler: (args) => {
            seen.push(args);
            return { ok: true };
          },
        }),
      ],
      { builtins: false },
    );
    expect(runner.specs[0]?.parameters).toMatchObject({
      type: 'object',
      properties: { size: { enum: ['s', 'm', 'l'] } },
      required: ['size'],
    });
    expect(runner.specs[0]?.parameters).not.toHaveProperty('$schema');
    const bad = await runner.run(req('order', '{"size":"xl"}'), context());
    expect(bad.error).toMatch(/^invalid arguments: size: /);
    const ok = await runner.run(req('order', '{"size":"m"}'), context());
    expect(ok.content).toBe('{"ok":true}');
    expect(seen).toEqual([{ size: 'm', count: 1 }]);
  });

  it('turns a throw or a timeout into an error for the model', async () => {
    const runner = new ToolRunner(
      [
        defineTool({ name: 'boom', description: '', parameters: {}, handler: () => { throw new TypeError('db down'); } }),
        defineTool({ name: 'slow', description: '', parameters: {}, timeoutMs: 30, handler: () => new Promise(() => {}) }),
      ],
      { builtins: false },
    );
    expect((await runner.run(req('boom', '{}'), context())).error).toBe('db down');
    expect((await runner.run(req('slow', ''), context())).error).toBe('the tool timed out');
  });

  it('runs several calls concurrently', async () => {
    let running = 0;
    let peak = 0;
    const runner = new ToolRunner(
      [
        defineTool({
          name: 'wait',
          description: '',
          parameters: {},
          handler: async () => {
            running++;
            peak = Math.max(peak, running);
            await new Promise((r) => setTimeout(r, 20));
            running--;
            return 'ok';
          },
        }),
      ],
      { builtins: false },
    );
    const out = await runner.runAll([req('wait', '{}'), { ...req('wait', '{}'), id: 'id2' }], context());
    expect(out.map((o) => o.id)).toEqual(['id1', 'id2']);
    expect(peak).toBe(2);
  });
});

describe('webhook tools', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(handler: (req: IncomingMessage, body: string, res: import('node:http').ServerResponse) => void): Promise<string> {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => handler(req, body, res));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  }

  const hookTool = (url: string, extra: Partial<WebhookTool['webhook']> = {}): WebhookTool => ({
    name: 'crm',
    description: 'CRM lookup',
    parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
    webhook: { url, secret: 'shh', timeoutMs: 500, ...extra },
  });

  it('POSTs the arguments as JSON, signed with HMAC-SHA256 over "<t>.<body>", and returns the JSON answer', async () => {
    const requests: { method: string; body: string; sig: string; ctype: string }[] = [];
    const url = await serve((req, body, res) => {
      requests.push({ method: req.method ?? '', body, sig: String(req.headers[WEBHOOK_SIGNATURE_HEADER]), ctype: String(req.headers['content-type']) });
      const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(req.headers[WEBHOOK_SIGNATURE_HEADER]));
      const expected = match ? createHmac('sha256', 'shh').update(`${match[1]}.${body}`).digest() : Buffer.alloc(32);
      if (!match || !timingSafeEqual(Buffer.from(match[2] as string, 'hex'), expected)) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"name":"Ann","tier":"gold"}');
    });
    const runner = new ToolRunner([hookTool(url)], { builtins: false });
    const out = await runner.run(req('crm', '{"id":"42"}'), context());
    expect(out.error).toBeUndefined();
    expect(out.result).toEqual({ name: 'Ann', tier: 'gold' });
    expect(requests).toHaveLength(1);
    expect(requests[0]?.method).toBe('POST');
    expect(requests[0]?.ctype).toBe('application/json');
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({ tool: 'crm', arguments: { id: '42' }, callId: 'CA1', callRef: 'ref-1' });
  });

  it('retries 5xx and timeouts, then gives up with an error for the model; 4xx is not retried', async () => {
    let hits = 0;
    const url = await serve((_req, _body, res) => {
      hits++;
      if (hits === 1) res.writeHead(503).end('busy');
      else if (hits === 2) setTimeout(() => res.writeHead(200).end('late'), 300);
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('third time');
    });
    const runner = new ToolRunner([hookTool(url, { timeoutMs: 100, retries: 2 })], { builtins: false });
    const out = await runner.run(req('crm', '{"id":"1"}'), context());
    expect(out.result).toBe('third time');
    expect(hits).toBe(3);

    let badHits = 0;
    const badUrl = await (async () => {
      await new Promise<void>((resolve) => server?.close(() => resolve()));
      return serve((_req, _body, res) => {
        badHits++;
        res.writeHead(400).end('bad id');
      });
    })();
    const failing = new ToolRunner([hookTool(badUrl, { retries: 3 })], { builtins: false });
    const failed = await failing.run(req('crm', '{"id":"1"}'), context());
    expect(failed.error).toMatch(/HTTP 400/);
    expect(badHits).toBe(1);
  });
});
