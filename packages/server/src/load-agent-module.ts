import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PatterError, type AgentOptions } from '@patter/core';
import { CliUsageError } from './cli-args.js';
import { describeModuleSyntaxError } from './describe-module-syntax-error.js';
import type { Patter } from './patter.js';
import type { ServeOptions } from './serve-options.js';

/** What an agent module exports: `phone`, `agent`, and optionally `serveOptions`. */
export interface AgentModule {
  readonly phone: Pick<Patter, 'serve' | 'agent' | 'carrier' | 'phoneNumber'>;
  readonly agent: AgentOptions;
  readonly serveOptions: Partial<ServeOptions>;
}

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts']);

/**
 * Registers tsx's ESM loader, an optional peer dependency: without it a TypeScript agent module
 * gets a message saying how to install it, or to build the module to JavaScript.
 */
async function registerTypeScript(file: string): Promise<void> {
  let api: { register: () => unknown };
  try {
    api = (await import('tsx/esm/api')) as { register: () => unknown };
  } catch (error) {
    if (!isModuleNotFound(error)) throw error;
    throw new CliUsageError(
      `${file} is TypeScript: install tsx next to @patter/server to load it (npm install --save-dev tsx), or build it to JavaScript and pass the .js file`,
    );
  }
  api.register();
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * Imports the user's agent module. TypeScript files are loaded through tsx's ESM loader (Node 20
 * cannot strip types itself). The exports are checked by shape, not `instanceof`, so a module that
 * resolves its own copy of `@patter/server` still works.
 */
export async function loadAgentModule(path: string): Promise<AgentModule> {
  const file = resolve(path);
  if (!existsSync(file)) throw new CliUsageError(`agent module not found: ${file}`);
  if (TYPESCRIPT.has(extname(file))) await registerTypeScript(file);
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const syntax = describeModuleSyntaxError(error, file);
    if (syntax === undefined) throw error;
    throw new PatterError(`syntax error in the agent module: ${syntax}`, { cause: error });
  }
  const { phone, agent, serveOptions } = exports;
  const missing = ['phone', 'agent'].filter((name) => exports[name] === undefined);
  if (missing.length > 0) {
    const found = Object.keys(exports).join(', ') || 'nothing';
    throw new CliUsageError(`${path} must export ${missing.join(' and ')} (it exports ${found}); see patter --help`);
  }
  if (typeof phone !== 'object' || phone === null || typeof (phone as Patter).serve !== 'function') {
    throw new CliUsageError(`${path}: "phone" must be a Patter (new Patter({ carrier, phoneNumber }))`);
  }
  if (typeof agent !== 'object' || agent === null) throw new CliUsageError(`${path}: "agent" must be phone.agent({ ... })`);
  if (serveOptions !== undefined && (typeof serveOptions !== 'object' || serveOptions === null)) {
    throw new CliUsageError(`${path}: "serveOptions" must be an object`);
  }
  return { phone: phone as Patter, agent: agent as AgentOptions, serveOptions: (serveOptions ?? {}) as Partial<ServeOptions> };
}
