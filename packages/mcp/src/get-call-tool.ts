import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { viewFromRecord, viewFromSummary, viewInProgress } from './call-view.js';
import { errorResult, jsonResult, runTool, type ToolContext } from './tool-result.js';

/** `get_call`: a call's status, duration, transcript and post-call analysis. */
export function registerGetCallTool(server: McpServer, context: ToolContext): void {
  const { outcomes, logger } = context;
  server.registerTool(
    'get_call',
    {
      title: 'Read a phone call',
      description: "A call's status (in-progress or ended, with the end reason), duration, transcript and post-call analysis, by call id.",
      inputSchema: { callId: z.string().min(1).describe('The call id make_call or list_calls returned') },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ callId }) =>
      runTool(logger, 'get_call', async () => {
        const record = await (await context.store()).getCall(callId);
        if (record) return jsonResult(viewFromRecord(record));
        const placed = outcomes.placedCall(callId);
        const summary = outcomes.ended(callId);
        if (summary) return jsonResult(viewFromSummary(summary, placed?.to));
        if (placed) return jsonResult(viewInProgress(callId, placed.to, placed.placedAt));
        return errorResult(`no call with id ${callId}`);
      }),
  );
}
