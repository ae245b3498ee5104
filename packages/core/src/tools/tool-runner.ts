import { ConfigError } from '../errors/config-error.js';
import type { ToolCallRequest } from '../llm/chat-message.js';
import type { ToolSpec } from '../llm/llm-provider.js';
import { isAbortError } from '../util/abort.js';
import { BUILTIN_TOOLS } from './builtin-tools.js';
import type { LocalTool, Tool, ToolContext, WebhookTool } from './tool.js';
import { createArgumentsValidator, toolJsonSchema, type ArgumentsValidator } from './validate-arguments.js';
import { callWebhookTool } from './webhook-tool.js';

export interface ToolRunnerOptions {
  /** Inject `transfer_call` and `end_call` (a user tool of the same name wins). Default true. */
  readonly builtins?: boolean;
}

/** What one tool call produced. `content` is what goes back to the model. */
export interface ToolCallOutcome {
  readonly id: string;
  readonly name: string;
  /** The parsed (and, for a Standard Schema, transformed) arguments; the raw text if unparsable. */
  readonly arguments: unknown;
  readonly content: string;
  readonly result?: unknown;
  /** Set when the call failed: bad JSON, invalid arguments, unknown tool, a throw or a timeout. */
  readonly error?: string;
  /** How long the call took, ms (validation and execution). */
  readonly durationMs?: number;
}

interface Entry {
  readonly tool: Tool;
  readonly validate: ArgumentsValidator;
}

const DEFAULT_TIMEOUT_MS = 10_000;

function isWebhookTool(tool: Tool): tool is WebhookTool {
  return 'webhook' in tool && typeof tool.webhook === 'object';
}

/**
 * Runs an agent's tools for the pipeline, the engine bridge and test mode alike: parses the
 * model's JSON arguments, validates them against the tool's schema, runs the handler (or the
 * webhook) with a timeout, and turns the result — or the failure — into the text the model
 * reads. Never throws for a tool's fault: the model gets the error and can recover.
 */
export class ToolRunner {
  private readonly entries = new Map<string, Entry>();
  /** The tools as the model sees them. */
  readonly specs: readonly ToolSpec[];

  constructor(tools: readonly Tool[] = [], options: ToolRunnerOptions = {}) {
    for (const tool of tools) {
      if (this.entries.has(tool.name)) throw new ConfigError('tools', `two tools are named "${tool.name}"`);
      if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name)) {
        throw new ConfigError('tools', `tool name "${tool.name}" must be 1-64 letters, digits, _ or -`);
      }
      this.entries.set(tool.name, { tool, validate: createArgumentsValidator(tool.parameters) });
    }
    if (options.builtins ?? true) {
      for (const tool of BUILTIN_TOOLS) {
        if (!this.entries.has(tool.name)) {
          this.entries.set(tool.name, { tool, validate: createArgumentsValidator(tool.parameters) });
        }
      }
    }
    this.specs = [...this.entries.values()].map(({ tool }) => ({
      name: tool.name,
      description: tool.description,
      parameters: toolJsonSchema(tool.name, tool.parameters),
    }));
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Runs several calls concurrently; outcomes in the order of `calls`. */
  runAll(calls: readonly ToolCallRequest[], context: ToolContext): Promise<ToolCallOutcome[]> {
    return Promise.all(calls.map((call) => this.run(call, context)));
  }

  async run(call: ToolCallRequest, context: ToolContext): Promise<ToolCallOutcome> {
    const started = performance.now();
    const outcome = await this.runTimed(call, context);
    return { ...outcome, durationMs: performance.now() - started };
  }

  private async runTimed(call: ToolCallRequest, context: ToolContext): Promise<ToolCallOutcome> {
    const entry = this.entries.get(call.name);
    if (!entry) return failure(call, call.arguments, `unknown tool "${call.name}"`);
    let parsed: unknown;
    try {
      parsed = call.arguments.trim() === '' ? {} : (JSON.parse(call.arguments) as unknown);
    } catch {
      return failure(call, call.arguments, 'arguments are not valid JSON');
    }
    const check = await entry.validate(parsed);
    if (!check.ok) return failure(call, parsed, `invalid arguments: ${check.errors.join('; ')}`);
    const args = check.value;
    try {
      const result = await this.execute(entry.tool, args, context);
      return { id: call.id, name: call.name, arguments: args, content: stringify(result), result };
    } catch (error) {
      if (context.signal.aborted) throw error;
      const message = isAbortError(error) ? 'the tool timed out' : errorMessage(error);
      context.logger.warn({ err: error, tool: call.name, callId: context.callId }, 'tool call failed');
      return failure(call, args, message);
    }
  }

  private execute(tool: Tool, args: unknown, context: ToolContext): Promise<unknown> {
    if (isWebhookTool(tool)) return callWebhookTool(tool, args, context);
    return runWithTimeout(tool as LocalTool<unknown>, args, context);
  }
}

async function runWithTimeout(tool: LocalTool<unknown>, args: unknown, context: ToolContext): Promise<unknown> {
  const timeoutMs = tool.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  const signal = AbortSignal.any([context.signal, controller.signal]);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const reason = new DOMException('tool timed out', 'TimeoutError');
      controller.abort(reason);
      reject(reason);
    }, timeoutMs);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  timedOut.catch(() => {});
  try {
    return await Promise.race([Promise.resolve(tool.handler(args, { ...context, signal })), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function failure(call: ToolCallRequest, args: unknown, error: string): ToolCallOutcome {
  return { id: call.id, name: call.name, arguments: args, content: JSON.stringify({ error }), error };
}

function stringify(result: unknown): string {
  if (typeof result === 'string') return result;
  if (result === undefined) return JSON.stringify({ ok: true });
  try {
    return JSON.stringify(result);
  } catch {
    return String(result);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
