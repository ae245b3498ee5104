export { PatterMcp } from './patter-mcp.js';
export {
  PATTER_MCP_DEFAULTS,
  type PatterMcpOptions,
  type McpPhone,
  type McpCampaignOptions,
  type McpCampaignContact,
} from './patter-mcp-options.js';
export { listenMcpHttp, type McpHttpOptions, type McpHttpHandle } from './listen-mcp-http.js';
export { PROMPT_AGENT_NAME } from './make-call-tool.js';
export type { CallView, CallViewLine, CallListRow } from './call-view.js';
export { runMcpCommand, type McpCommandIO } from './run-mcp-command.js';
