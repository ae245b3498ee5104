import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { McpCampaignOptions } from './patter-mcp-options.js';
import { jsonResult, runTool, type ToolContext } from './tool-result.js';

const inputSchema = {
  name: z.string().optional().describe('A name for the campaign'),
  agent: z.string().optional().describe('Name of the served agent that runs the calls (default: the served agent)'),
  contacts: z
    .array(
      z.object({
        to: z.string().describe('E.164 number'),
        variables: z.record(z.string(), z.string()).optional().describe("Values for this contact's {placeholders}"),
        timeZone: z.string().optional().describe('IANA time zone of the contact (Europe/Rome)'),
      }),
    )
    .min(1)
    .max(10_000)
    .describe('Who to call'),
  concurrency: z.number().int().min(1).optional().describe('Calls of this campaign at once, across the fleet (default 1)'),
  fromNumbers: z.array(z.string()).min(1).optional().describe('Caller ids to dial from (default: the server number)'),
  maxAttempts: z.number().int().min(1).optional().describe('Attempts per contact, the first included (default 1)'),
  startAt: z.string().datetime({ offset: true }).optional().describe('No call before this time (ISO 8601; default now)'),
};

/**
 * `start_campaign`: hands a contact list to `phone.campaign()` (the fleet's jobs dial it, with its
 * retry policy and limits) and returns the campaign id. Registered only when the phone has campaigns.
 */
export function registerStartCampaignTool(server: McpServer, context: ToolContext): void {
  const { options, logger } = context;
  const campaign = options.phone.campaign?.bind(options.phone);
  if (campaign === undefined) return;
  server.registerTool(
    'start_campaign',
    {
      title: 'Start a calling campaign',
      description: 'Queues outbound calls to a list of contacts (each with its variables), dialed by the Patter fleet within its limits. Returns the campaign id.',
      inputSchema,
      annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    (args) =>
      runTool(logger, 'start_campaign', async () => {
        const request: McpCampaignOptions = {
          contacts: args.contacts.map((contact) => ({
            to: contact.to,
            ...(contact.variables !== undefined && { variables: contact.variables }),
            ...(contact.timeZone !== undefined && { timeZone: contact.timeZone }),
          })),
          ...(args.name !== undefined && { name: args.name }),
          ...(args.agent !== undefined && { agent: args.agent }),
          concurrency: args.concurrency ?? 1,
          ...(args.fromNumbers !== undefined && { fromNumbers: args.fromNumbers }),
          ...(args.maxAttempts !== undefined && { retry: { maxAttempts: args.maxAttempts } }),
          ...(args.startAt !== undefined && { startAt: Date.parse(args.startAt) }),
        };
        await context.store(); // the server is up
        const { campaignId } = await campaign(request);
        logger.info({ campaignId, contacts: request.contacts.length }, 'mcp campaign started');
        return jsonResult({ campaignId, contacts: request.contacts.length });
      }),
  );
}
