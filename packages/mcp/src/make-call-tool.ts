import { ConfigError, type AgentOptions } from '@patter/core';
import { maskPhoneNumber } from '@patter/core/plugin';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { viewInProgress } from './call-view.js';
import { jsonResult, runTool, type ToolContext } from './tool-result.js';
import { waitForCall } from './wait-for-call.js';

/** The agent name stored with calls placed with a `prompt` (filter `list_calls` by it). */
export const PROMPT_AGENT_NAME = 'mcp-prompt';

const inputSchema = {
  to: z.string().describe('Number to call, E.164 (+15550001234), or a sip: URI'),
  agent: z.string().optional().describe('Name of one of the served agents to run the call (default: the served agent)'),
  prompt: z
    .string()
    .min(1)
    .optional()
    .describe("System prompt for this call only: the served agent's voice and providers with these instructions. Not with `agent`."),
  firstMessage: z.string().optional().describe('What the agent says first when the call is answered'),
  variables: z.record(z.string(), z.string()).optional().describe('Values for the {placeholders} of the prompt and first message'),
  wait: z.boolean().optional().describe('Wait for the call to end and return its status and transcript (default false: return the call id at once)'),
  timeoutSeconds: z.number().int().positive().optional().describe('With wait: give up waiting after this long (the call goes on)'),
};

/** `make_call`: places an outbound call; with `wait`, returns its outcome. */
export function registerMakeCallTool(server: McpServer, context: ToolContext): void {
  const { options, outcomes, logger } = context;
  server.registerTool(
    'make_call',
    {
      title: 'Place a phone call',
      description:
        'Calls a phone number with a voice agent. Pick a served agent by name, or give a prompt for this call. ' +
        'With wait=true the result is the call status, duration and transcript once it ends; otherwise the call id, to read later with get_call.',
      inputSchema,
      annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    (args, extra) =>
      runTool(logger, 'make_call', async () => {
        const agent = chooseAgent(context, args.agent, args.prompt);
        const store = await context.store(); // also: the server is up
        const placed = await options.phone.call({
          to: args.to,
          ...(agent !== undefined && { agent }),
          ...(args.firstMessage !== undefined && { firstMessage: args.firstMessage }),
          ...(args.variables !== undefined && { variables: args.variables }),
          signal: extra.signal,
        });
        const placedAt = Date.now();
        outcomes.placed({ callId: placed.callId, to: args.to, placedAt });
        logger.info({ callId: placed.callId, to: maskPhoneNumber(args.to), wait: args.wait === true }, 'mcp call placed');
        if (args.wait !== true) return jsonResult(viewInProgress(placed.callId, args.to, placedAt));
        const progressToken = extra._meta?.progressToken;
        let polls = 0;
        const timeoutMs = Math.min(options.maxWaitMs, (args.timeoutSeconds ?? Infinity) * 1000);
        const view = await waitForCall(placed.callId, {
          store,
          outcomes,
          timeoutMs,
          pollMs: options.pollIntervalMs,
          recordGraceMs: options.recordGraceMs,
          signal: extra.signal,
          ...(progressToken !== undefined && {
            // MCP progress while the call goes on: a client that asked for it (resetTimeoutOnProgress) keeps waiting.
            onWaiting: (elapsedMs: number) =>
              void extra
                .sendNotification({
                  method: 'notifications/progress',
                  // progress must increase with each notification: the poll count; the time is in the message.
                  params: { progressToken, progress: ++polls, message: `call in progress (${Math.floor(elapsedMs / 1000)} s)` },
                })
                .catch(() => {}),
          }),
        });
        return jsonResult(view);
      }),
  );
}

function chooseAgent(context: ToolContext, name: string | undefined, prompt: string | undefined): AgentOptions | undefined {
  const { options } = context;
  if (name !== undefined && prompt !== undefined) throw new ConfigError('prompt', 'give either agent or prompt, not both');
  if (name !== undefined) {
    const agent = options.agents !== undefined && Object.hasOwn(options.agents, name) ? options.agents[name] : undefined;
    if (agent === undefined) {
      const known = Object.keys(options.agents ?? {});
      throw new ConfigError('agent', `no agent named "${name}" (${known.length > 0 ? `served: ${known.join(', ')}` : 'this server names no agents'})`);
    }
    return agent;
  }
  if (prompt === undefined) return undefined;
  const base = options.agent;
  if (base === undefined) throw new ConfigError('prompt', 'a call with a prompt needs the served agent (PatterMcpOptions.agent) to take its voice from');
  if (base.llm === undefined && base.engine === undefined) {
    throw new ConfigError('prompt', 'the served agent has no llm or engine to follow a prompt');
  }
  if (base.onMessage !== undefined) throw new ConfigError('prompt', 'the served agent answers with onMessage, which would ignore a prompt');
  return options.phone.agent({ ...base, name: PROMPT_AGENT_NAME, systemPrompt: prompt });
}
