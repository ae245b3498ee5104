import { PatterError } from '@patter/core';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CallOutcomes } from './call-outcomes.js';
import type { ResolvedPatterMcpOptions } from './patter-mcp-options.js';
import type { Logger } from '@patter/core';
import type { CallStore } from '@patter/store';

/** What every tool is given. */
export interface ToolContext {
  readonly options: ResolvedPatterMcpOptions;
  /** The call store, once ready (the tools wait for it). */
  readonly store: () => Promise<CallStore>;
  readonly outcomes: CallOutcomes;
  readonly logger: Logger;
}

/** A tool's answer: the JSON as text (what every client shows the model) and as structured content. */
export function jsonResult(value: object): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: value as Record<string, unknown> };
}

/** A tool failure the model can read and act on (a bad number, an unknown agent). */
export function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/**
 * Runs a tool body: Patter's own errors (ConfigError naming the option, a carrier's ProviderError)
 * become a readable tool error; anything else is logged and reported to the client as an
 * internal error (its message is not sent).
 */
export async function runTool(logger: Logger, tool: string, body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (err) {
    if (PatterError.is(err)) {
      logger.warn({ tool, error: err.name }, 'mcp tool failed');
      return errorResult(err.message);
    }
    logger.error({ tool, err }, 'mcp tool failed unexpectedly');
    return errorResult(`${tool} failed: internal error`);
  }
}
