import { createRequire } from 'node:module';
import { createConsoleLogger, type CallEndSummary, type Logger } from '@patter/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallOutcomes } from './call-outcomes.js';
import { registerGetCallTool } from './get-call-tool.js';
import { registerListCallsTool } from './list-calls-tool.js';
import { registerMakeCallTool } from './make-call-tool.js';
import { resolvePatterMcpOptions, storeError, type PatterMcpOptions, type ResolvedPatterMcpOptions } from './patter-mcp-options.js';
import { CallStore } from '@patter/store';
import { registerStartCampaignTool } from './start-campaign-tool.js';
import type { ToolContext } from './tool-result.js';

// src/ and dist/ both sit next to package.json.
const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/**
 * The phone as a tool for other agents: an MCP server whose tools place calls through a serving
 * Patter app (`make_call`, `start_campaign`) and read them from its call store (`get_call`,
 * `list_calls`). Connect it over stdio (`connectStdio()`, what `patter-mcp` does) or streamable
 * HTTP (`listenMcpHttp()`, behind a secret).
 *
 * @example
 * const store = await openCallStore();
 * const handle = await phone.serve({ agent, store, onCallEnd: (summary) => mcp.onCallEnd(summary) });
 * const mcp = new PatterMcp({ phone, store, agent });
 * await mcp.connectStdio();
 */
export class PatterMcp {
  private readonly options: ResolvedPatterMcpOptions;
  private readonly outcomes = new CallOutcomes();
  /** Where the tools and transports log (stderr by default; never stdout, the stdio protocol). */
  readonly logger: Logger;
  private readonly servers = new Set<McpServer>();
  private readonly store: Promise<CallStore>;

  constructor(options: PatterMcpOptions) {
    this.options = resolvePatterMcpOptions(options);
    this.store = Promise.resolve(this.options.store).then((store) => {
      if (!(store instanceof CallStore)) throw storeError();
      return store;
    });
    this.store.catch(() => {}); // a failed store fails each tool call; not unhandled here
    this.logger = (options.logger ?? createConsoleLogger({ bindings: { name: 'patter-mcp' } })).child({ component: 'mcp' });
  }

  /**
   * Tell it how calls end: pass it the server's `onCallEnd` (`serve({ onCallEnd: (s) => mcp.onCallEnd(s) })`).
   * A waiting `make_call` then returns as soon as its call ends, also one never answered (busy,
   * no answer), which has no stored record. Without it, waits read the store only.
   */
  readonly onCallEnd = (summary: CallEndSummary): void => this.outcomes.onCallEnd(summary);

  /** A new MCP server with the tools (one per connection: the SDK's servers take one transport each). */
  createServer(): McpServer {
    const server = new McpServer({ name: 'patter', title: 'Patter phone', version: VERSION }, { capabilities: { tools: {} } });
    const context: ToolContext = { options: this.options, outcomes: this.outcomes, logger: this.logger, store: () => this.store };
    registerMakeCallTool(server, context);
    registerGetCallTool(server, context);
    registerListCallsTool(server, context);
    registerStartCampaignTool(server, context);
    this.servers.add(server);
    server.server.onclose = () => this.servers.delete(server);
    return server;
  }

  /** Serves MCP on this process's stdin/stdout: stdout then carries only the protocol (log to stderr). */
  async connectStdio(): Promise<McpServer> {
    const server = this.createServer();
    await server.connect(new StdioServerTransport());
    return server;
  }

  /** Closes every MCP server it created (their transports too). */
  async close(): Promise<void> {
    await Promise.all([...this.servers].map((server) => server.close()));
  }
}
