import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallQuery } from '@patter/store';
import { z } from 'zod';
import { rowFromSummary, type CallListRow } from './call-view.js';
import { jsonResult, runTool, type ToolContext } from './tool-result.js';

const inputSchema = {
  since: z.string().datetime({ offset: true }).optional().describe('Calls started at or after this time (ISO 8601)'),
  until: z.string().datetime({ offset: true }).optional().describe('Calls started before this time (ISO 8601)'),
  number: z.string().optional().describe('The caller or the called number (E.164, exact)'),
  agent: z.string().optional().describe('The agent name'),
  endReason: z.string().optional().describe('How the call ended (caller_hangup, agent_hangup, no-answer, busy …)'),
  text: z.string().optional().describe('Free text: part of the call id, a number, the agent, or what was said'),
  limit: z.number().int().min(1).max(100).optional().describe('Calls per page (default 20, at most 100)'),
  cursor: z.string().optional().describe('nextCursor of the previous page'),
};

/** `list_calls`: the call history, newest first, with filters; plus the calls placed here still in progress. */
export function registerListCallsTool(server: McpServer, context: ToolContext): void {
  const { outcomes, logger } = context;
  server.registerTool(
    'list_calls',
    {
      title: 'List phone calls',
      description:
        'The finished calls, newest first (filters: time range, number, agent, end reason, text), and the calls placed through this server that are still in progress.',
      inputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      runTool(logger, 'list_calls', async () => {
        const query: CallQuery = {
          limit: args.limit ?? 20,
          ...(args.since !== undefined && { since: Date.parse(args.since) }),
          ...(args.until !== undefined && { until: Date.parse(args.until) }),
          ...(args.number !== undefined && { number: args.number }),
          ...(args.agent !== undefined && { agent: args.agent }),
          ...(args.endReason !== undefined && { endReason: args.endReason }),
          ...(args.text !== undefined && { text: args.text }),
          ...(args.cursor !== undefined && { cursor: args.cursor }),
        };
        const page = await (await context.store()).listCalls(query);
        const calls = page.calls.map(rowFromSummary);
        const stored = new Set(calls.map((call) => call.callId));
        // Only on the first page and without filters: a filter cannot be checked on a call not yet recorded.
        const filtered = Object.keys(args).some((key) => key !== 'limit' && args[key as keyof typeof args] !== undefined);
        const inProgress: CallListRow[] = filtered
          ? []
          : outcomes
              .inProgress()
              .filter((call) => !stored.has(call.callId))
              .map((call) => ({ callId: call.callId, status: 'in-progress', direction: 'outbound', to: call.to, startedAt: new Date(call.placedAt).toISOString() }));
        return jsonResult({ inProgress, calls, ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }) });
      }),
  );
}
