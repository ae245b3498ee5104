import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '@patter/core';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { PatterMcp } from './patter-mcp.js';

/** Options of `listenMcpHttp()`. */
export interface McpHttpOptions {
  /**
   * Clients must send `Authorization: Bearer <secret>`. Required (default `PATTER_MCP_SECRET`),
   * at least 16 characters: these tools place phone calls.
   */
  readonly secret?: string;
  /** TCP port. Default 8765; 0 picks a free port (read it from the handle). */
  readonly port?: number;
  /** Interface to bind. Default `127.0.0.1`. */
  readonly host?: string;
  /** Path of the MCP endpoint. Default `/mcp`. */
  readonly path?: string;
}

/** A running MCP HTTP endpoint. */
export interface McpHttpHandle {
  /** The endpoint, e.g. `http://127.0.0.1:8765/mcp`. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and closes the open MCP connections. */
  close(): Promise<void>;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Checks `Authorization: Bearer <secret>` in constant time (both sides hashed to equal lengths). */
export function checkBearer(header: string | undefined, secretDigest: Buffer): boolean {
  const match = /^Bearer ([^\s]+)$/i.exec(header ?? '');
  const given = digest(match?.[1] ?? '');
  return timingSafeEqual(given, secretDigest) && match !== null;
}

/**
 * The HTTP transport's secret: `secret`, else `PATTER_MCP_SECRET`. Throws `ConfigError` naming
 * `secret` (and the variable) when there is none or it is shorter than 16 characters.
 */
export function resolveMcpSecret(secret: string | undefined): string {
  const value = secret ?? (process.env.PATTER_MCP_SECRET || undefined);
  if (value === undefined) {
    throw new ConfigError('secret', 'the MCP HTTP transport places calls for whoever reaches it: set a secret (or PATTER_MCP_SECRET)', {
      envVar: 'PATTER_MCP_SECRET',
    });
  }
  if (typeof value !== 'string' || value.length < 16) throw new ConfigError('secret', 'expected a string of at least 16 characters', { envVar: 'PATTER_MCP_SECRET' });
  return value;
}

/**
 * Serves the MCP tools over streamable HTTP on its own port: stateless (one MCP server per
 * request, so any instance of a fleet can answer), responses streamed as SSE (with `make_call`'s
 * progress). Every request needs the bearer secret: 401 otherwise. Refuses to start without one.
 */
export async function listenMcpHttp(mcp: PatterMcp, options: McpHttpOptions = {}): Promise<McpHttpHandle> {
  const secret = resolveMcpSecret(options.secret);
  const port = options.port ?? 8765;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('port', 'expected an integer from 0 to 65535');
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/mcp';
  if (!path.startsWith('/')) throw new ConfigError('path', 'expected a path starting with /');
  const secretDigest = digest(secret);
  const logger = mcp.logger;

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      logger.error({ err }, 'mcp http request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"internal error"}');
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== path) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    if (!checkBearer(req.headers.authorization, secretDigest)) {
      logger.warn({}, 'mcp http request refused: missing or wrong bearer secret');
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="patter-mcp"' }).end('{"error":"unauthorized"}');
      return;
    }
    const mcpServer = mcp.createServer();
    const transport = new StreamableHTTPServerTransport({}) // no sessionIdGenerator: stateless; SSE responses carry make_call's progress;
    res.on('close', () => {
      void transport.close();
      void mcpServer.close();
    });
    await mcpServer.connect(transport);
    await transport.handleRequest(req, res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}${path}`;
  logger.info({ url }, 'mcp http endpoint listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    port: bound,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
