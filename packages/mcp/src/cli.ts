// The `patter-mcp` command's entry point (bin/patter-mcp.js imports the build of this file).
// With stdio, stdout carries the MCP protocol only: console output of the agent module goes to stderr.
for (const method of ['log', 'info', 'debug'] as const) console[method] = console.error.bind(console);

const { runMcpCommand } = await import('./run-mcp-command.js');
const code = await runMcpCommand(process.argv.slice(2));
if (code !== 0) process.exit(code);
