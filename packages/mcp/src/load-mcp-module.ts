import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, type AgentOptions } from '@patter/core';
import type { Agent, Patter, ServeOptions } from '@patter/server';
import type { McpCampaignOptions } from './patter-mcp-options.js';

/** What `patter-mcp` needs of an agent module: the `patter serve` exports, plus optional named `agents`. */
export interface McpAgentModule {
  readonly phone: Pick<Patter, 'serve' | 'call' | 'agent'> & {
    readonly logger?: Patter['logger'];
    campaign?(options: McpCampaignOptions): Promise<{ readonly campaignId: string }>;
  };
  readonly agent: Agent | AgentOptions;
  readonly agents: Readonly<Record<string, Agent | AgentOptions>> | undefined;
  readonly serveOptions: Partial<ServeOptions>;
}

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts']);

/** Imports the agent module (TypeScript through tsx, when installed) and checks its exports by shape. */
export async function loadMcpModule(path: string): Promise<McpAgentModule> {
  const file = resolve(path);
  if (!existsSync(file)) throw new ConfigError('module', `agent module not found: ${file}`);
  if (TYPESCRIPT.has(extname(file))) await registerTypeScript(file);
  const exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const { phone, agent, agents, serveOptions } = exports;
  if (typeof phone !== 'object' || phone === null || typeof (phone as Patter).serve !== 'function' || typeof (phone as Patter).call !== 'function') {
    throw new ConfigError('phone', `${path} must export phone = new Patter({ carrier, phoneNumber })`);
  }
  if (typeof agent !== 'object' || agent === null) throw new ConfigError('agent', `${path} must export agent = phone.agent({ ... })`);
  if (agents !== undefined && (typeof agents !== 'object' || agents === null)) throw new ConfigError('agents', `${path}: "agents" must be { name: phone.agent(...) }`);
  if (serveOptions !== undefined && (typeof serveOptions !== 'object' || serveOptions === null)) {
    throw new ConfigError('serveOptions', `${path}: "serveOptions" must be an object`);
  }
  return {
    phone: phone as McpAgentModule['phone'],
    agent: agent as AgentOptions,
    agents: agents as McpAgentModule['agents'],
    serveOptions: (serveOptions ?? {}) as Partial<ServeOptions>,
  };
}

async function registerTypeScript(file: string): Promise<void> {
  let api: { register: () => unknown };
  try {
    api = (await import('tsx/esm/api')) as { register: () => unknown };
  } catch {
    throw new ConfigError('module', `${file} is TypeScript: install tsx next to @patter/mcp (npm install --save-dev tsx), or build it to JavaScript`);
  }
  api.register();
}
