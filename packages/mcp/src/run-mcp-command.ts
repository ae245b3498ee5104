import { parseArgs } from 'node:util';
import { PatterError } from '@patter/core';
import type { ServeOptions, ServerHandle } from '@patter/server';
import { CallStore, openCallStore } from '@patter/store';
import { listenMcpHttp, resolveMcpSecret, type McpHttpHandle } from './listen-mcp-http.js';
import { loadMcpModule } from './load-mcp-module.js';
import { PatterMcp } from './patter-mcp.js';

/** Where `patter-mcp` writes its own lines (never stdout: with stdio, stdout is the protocol). */
export interface McpCommandIO {
  readonly err: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

export const MCP_HELP = `patter-mcp <agent-module> [options]

Runs your Patter server (the agent module of "patter serve": export phone, agent, and optionally
serveOptions and agents = { name: phone.agent(...) }) and exposes it to MCP clients as tools:
make_call, get_call, list_calls, and start_campaign when the phone has campaigns.

Options:
  --http              serve MCP over streamable HTTP instead of stdio (needs PATTER_MCP_SECRET)
  --mcp-port <n>      port of the MCP HTTP endpoint (default 8765)
  --mcp-host <host>   interface of the MCP HTTP endpoint (default 127.0.0.1)
  --port <n>          port of the Patter server (default PORT, serveOptions.port, or 8000)
  --host <host>       interface of the Patter server
  -h, --help          this help

Claude Desktop (claude_desktop_config.json):
  { "mcpServers": { "phone": { "command": "npx", "args": ["patter-mcp", "/abs/path/agent.js"] } } }
`;

const defaultIO: McpCommandIO = { err: (line) => process.stderr.write(line + '\n'), env: process.env };

/**
 * The \`patter-mcp\` command: serves the agent module's phone, opens its call store, and serves the
 * MCP tools over stdio (default) or HTTP. Resolves 0 once running (the process stays up until
 * stdin closes, with stdio, or a signal), or an exit code when it cannot start.
 */
export async function runMcpCommand(argv: readonly string[], io: McpCommandIO = defaultIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        http: { type: 'boolean' },
        'mcp-port': { type: 'string' },
        'mcp-host': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`patter-mcp: ${(err as Error).message}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length !== 1) {
    io.err(MCP_HELP);
    return values.help ? 0 : 2;
  }
  const number = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new PatterError(`--${name} must be a number`);
    return Number(value);
  };
  let openedStore: CallStore | undefined;
  try {
    // Refused before anything starts: an HTTP endpoint that places calls never runs without its secret.
    const secret = values.http ? resolveMcpSecret(undefined) : undefined;
    const { phone, agent, agents, serveOptions } = await loadMcpModule(positionals[0]!);
    if (serveOptions.store === false) throw new PatterError('store: patter-mcp reads calls from the call store: leave serveOptions.store on');
    // The MCP server answers the client at once (its initialize must not wait for the embedded
    // database to start); the tools wait for the store, resolved once the Patter server is serving.
    let ready!: { resolve: (store: CallStore) => void; reject: (err: unknown) => void };
    const storeReady = new Promise<CallStore>((resolve, reject) => (ready = { resolve, reject }));
    const mcp = new PatterMcp({ phone, store: storeReady, agent, ...(agents !== undefined && { agents }), ...(phone.logger !== undefined && { logger: phone.logger }) });
    let handle: ServerHandle | undefined;
    let http: McpHttpHandle | undefined;
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        await mcp.close();
        await http?.close();
        await handle?.close();
        await openedStore?.close();
      })().finally(() => process.exit(0)));
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void stop());
    if (!values.http) {
      await mcp.connectStdio();
      // The client owns the process: when it closes stdin (even while starting), stop.
      process.stdin.once('end', () => void stop()).once('close', () => void stop());
    }
    const envPort = io.env.PORT !== undefined && /^\d+$/.test(io.env.PORT) ? Number(io.env.PORT) : undefined;
    const port = number('port', values.port) ?? envPort ?? serveOptions.port;
    const userOnCallEnd = serveOptions.onCallEnd;
    const { fleet } = serveOptions;
    const options: ServeOptions = {
      ...serveOptions,
      // The named agents make_call may pick are the ones start_campaign may name too.
      ...(fleet !== undefined && fleet !== false && agents !== undefined && {
        fleet: { ...(fleet === true ? {} : fleet), agents: { ...agents, ...(fleet === true ? {} : fleet.agents) } },
      }),
      agent,
      ...(port !== undefined && { port }),
      ...(values.host !== undefined && { host: values.host }),
      shutdownSignals: false,
      onCallEnd: (summary, control) => {
        mcp.onCallEnd(summary);
        return userOnCallEnd?.(summary, control);
      },
    };
    try {
      const store = await resolveStore(serveOptions.store, phone.logger);
      if (!(serveOptions.store instanceof CallStore)) openedStore = store;
      handle = await phone.serve({ ...options, store });
      ready.resolve(store);
    } catch (err) {
      ready.reject(err);
      throw err;
    }
    if (values.http) {
      const mcpPort = number('mcp-port', values['mcp-port']);
      http = await listenMcpHttp(mcp, { ...(secret !== undefined && { secret }), ...(mcpPort !== undefined && { port: mcpPort }), ...(values['mcp-host'] !== undefined && { host: values['mcp-host'] }) });
      io.err(`patter-mcp: MCP endpoint ${http.url} (Authorization: Bearer $PATTER_MCP_SECRET)`);
    }
    io.err(`patter-mcp: patter server on ${handle.url}`);
    return 0;
  } catch (err) {
    await openedStore?.close().catch(() => {});
    io.err(`patter-mcp: ${PatterError.is(err) ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  }
}

/** The store the server writes to and the tools read: the module's `CallStore`, or one opened from its store options. */
async function resolveStore(option: Exclude<ServeOptions['store'], false>, logger: PatterMcp['logger'] | undefined): Promise<CallStore> {
  if (option instanceof CallStore) return option;
  const { retentionDays: _retention, ...storeOptions } = typeof option === 'object' ? option : {};
  return openCallStore({ ...storeOptions, ...(logger !== undefined && { logger }) });
}
