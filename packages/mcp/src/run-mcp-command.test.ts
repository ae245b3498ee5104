import { afterEach, describe, expect, it } from 'vitest';
import { runMcpCommand } from './run-mcp-command.js';

// The command's refusals, in-process (a successful start would take over this process's stdio;
// the spawned stdio test covers it).

const saved = process.env.PATTER_MCP_SECRET;
afterEach(() => {
  if (saved === undefined) delete process.env.PATTER_MCP_SECRET;
  else process.env.PATTER_MCP_SECRET = saved;
});

async function run(args: string[]): Promise<{ code: number; err: string }> {
  const lines: string[] = [];
  const code = await runMcpCommand(args, { err: (line) => lines.push(line), env: {} });
  return { code, err: lines.join('\n') };
}

describe('patter-mcp', () => {
  it('--http without PATTER_MCP_SECRET is refused before the module is even loaded, naming the variable', async () => {
    delete process.env.PATTER_MCP_SECRET;
    const { code, err } = await run(['does-not-exist.js', '--http']);
    expect(code).toBe(1);
    expect(err).toMatch(/^patter-mcp: secret: .*PATTER_MCP_SECRET/);
    expect(err).not.toContain('not found');
    process.env.PATTER_MCP_SECRET = 'too-short';
    expect((await run(['does-not-exist.js', '--http'])).err).toBe('patter-mcp: secret: expected a string of at least 16 characters');
  });

  it('prints its help, and refuses a missing module or an unknown option', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.err).toContain('patter-mcp <agent-module>');
    expect(help.err).toContain('make_call, get_call, list_calls');
    expect((await run([])).code).toBe(2);
    expect(await run(['agent.js', '--prot', '1'])).toMatchObject({ code: 2, err: expect.stringContaining("Unknown option '--prot'") });
    expect(await run(['missing-agent.js'])).toMatchObject({ code: 1, err: expect.stringMatching(/^patter-mcp: module: agent module not found: .*missing-agent\.js$/) });
  });
});
