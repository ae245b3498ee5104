import type { CallControl } from '../call/call-control.js';
import type { Logger } from '../log/logger.js';

/**
 * A parameter schema: a JSON-schema object, or any Standard Schema validator (zod 4, valibot,
 * arktype …) that can also describe itself as JSON schema.
 */
export type ToolParameters =
  | Record<string, unknown>
  | {
      readonly '~standard': {
        readonly validate: (value: unknown) => unknown;
      };
    };

/** What a tool's handler receives besides its arguments. */
export interface ToolContext {
  readonly call: CallControl;
  readonly callId: string;
  readonly variables: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/** A function the agent can call, run in this process. */
export interface LocalTool<Args = Record<string, unknown>> {
  readonly name: string;
  readonly description: string;
  readonly parameters: ToolParameters;
  readonly handler: (args: Args, context: ToolContext) => unknown;
  /** Per-call timeout. Default 10 s. */
  readonly timeoutMs?: number;
}

/** A tool executed by POSTing the arguments to a URL (signed with `secret` when set). */
export interface WebhookTool {
  readonly name: string;
  readonly description: string;
  readonly parameters: ToolParameters;
  readonly webhook: {
    readonly url: string;
    readonly secret?: string;
    readonly headers?: Readonly<Record<string, string>>;
    /** Default 10 s. */
    readonly timeoutMs?: number;
    /** Default 2. */
    readonly retries?: number;
  };
}

export type Tool = LocalTool<any> | WebhookTool;

/** Declares a local tool with typed arguments. */
export function defineTool<Args = Record<string, unknown>>(tool: LocalTool<Args>): LocalTool<Args> {
  return tool;
}
