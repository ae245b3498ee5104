import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCliArgs } from './cli-args.js';
import { closed, openStream, post, send, waitFor } from './test-support/test-server.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const fixture = (name: string) => `src/test-support/fixtures/${name}`;

interface Cli {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

// bin/patter.js's shebang ends node's own options with `--`: Node 20 otherwise reads `--env-file`
// anywhere on the command line, the script's arguments included, and fails with its own message.
const SHEBANG = readFileSync(new URL('../bin/patter.js', import.meta.url), 'utf8').split('\n', 1)[0] ?? '';

/** Runs the CLI from source as a user's shell would run the built one (node's options ended by `--`, as the shebang does). */
function runCli(args: string[], env: Record<string, string> = {}, input?: string): Cli {
  const child = spawn(process.execPath, ['--conditions=@patter/source', '--import', 'tsx', '--', 'src/cli.ts', ...args], {
    cwd: packageDir,
    env: { ...process.env, PATTER_LOG_LEVEL: 'silent', PORT: '', ...env },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (input !== undefined) child.stdin!.end(input);
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => text, exited };
}

let running: Cli | undefined;
afterEach(async () => {
  if (running && running.child.exitCode === null && running.child.signalCode === null) {
    running.child.kill('SIGKILL');
    await running.exited;
  }
  running = undefined;
});

describe('parseCliArgs', () => {
  it('parses serve with flags in both spellings', () => {
    expect(parseCliArgs(['serve', './agent.ts', '--port', '9000', '--host=127.0.0.1', '--env-file', '.env.local'])).toEqual({
      command: 'serve',
      module: './agent.ts',
      port: 9000,
      host: '127.0.0.1',
      envFile: '.env.local',
    });
    expect(parseCliArgs([])).toEqual({ command: 'help' });
    expect(parseCliArgs(['serve', 'a.js', '-h'])).toEqual({ command: 'help' });
  });

  it('explains what is wrong with a command line', () => {
    expect(() => parseCliArgs(['serve'])).toThrow(/needs the path of your agent module/);
    expect(() => parseCliArgs(['srve', 'a.js'])).toThrow(/unknown command "srve"/);
    expect(() => parseCliArgs(['serve', 'a.js', '--prot', '1'])).toThrow(/unknown option --prot/);
    expect(() => parseCliArgs(['serve', 'a.js', '--port', 'abc'])).toThrow(/--port must be a number/);
    expect(() => parseCliArgs(['serve', 'a.js', '--port'])).toThrow(/--port needs a value/);
  });
});

describe('patter CLI (spawned)', { timeout: 60_000 }, () => {
  it('prints help a newcomer can follow', async () => {
    running = runCli(['--help']);
    expect(await running.exited).toEqual({ code: 0, signal: null });
    const help = running.output();
    expect(help).toContain('patter serve <agent-module>');
    expect(help).toContain('export const phone = new Patter(');
    expect(help).toContain('export const agent = phone.agent(');
    expect(help).toContain('--env-file');
    expect(help).toContain('phone = new Patter({}) and open the dev phone URL');
  });

  it('fails with usage help on a bad command line or module', async () => {
    running = runCli(['serve']);
    expect((await running.exited).code).toBe(2);
    expect(running.output()).toContain('Run patter --help for usage.');
    running = runCli(['serve', fixture('no-exports.mjs')]);
    expect((await running.exited).code).toBe(2);
    expect(running.output()).toMatch(/must export phone and agent \(it exports something\)/);
  });

  it('a syntax error in the agent module is shown with its file and line, not a loader stack', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patter-cli-'));
    try {
      writeFileSync(join(dir, 'agent.mjs'), "import { Patter } from '@patter/server';\nexport const phone = new Patter({});\nexport const agent = phone.agent({ systemPrompt: 'x', });;\nconst broken = { a: , };\n");
      running = runCli(['serve', join(dir, 'agent.mjs')]);
      expect((await running.exited).code).toBe(1);
      let output = running.output();
      expect(output).toContain(`patter: syntax error in the agent module: ${join(dir, 'agent.mjs')}:4: Unexpected token ','`);
      expect(output).toContain('const broken = { a: , };');
      expect(output).not.toMatch(/node:internal|compileSourceTextModule/);

      writeFileSync(join(dir, 'agent.ts'), "export const phone = {\n  serve() {}\n  agent: 1,\n};\n");
      running = runCli(['serve', join(dir, 'agent.ts')]);
      expect((await running.exited).code).toBe(1);
      output = running.output();
      expect(output).toMatch(new RegExp(`patter: syntax error in the agent module: ${join(dir, 'agent.ts').replace(/[.\\]/g, '\\$&')}:3:2: Expected`));
      expect(output).not.toMatch(/esbuild|failureErrorWithLog/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // The built command, run as a shell runs it (through its shebang), so the node flags it carries
  // (the old-generation floor, README "Capacity") are ones node accepts.
  it.skipIf(!existsSync(join(packageDir, 'dist/cli.js')) || process.platform === 'win32')('runs through its shebang, heap flag included', async () => {
    expect(SHEBANG).toBe('#!/usr/bin/env -S node --initial-old-space-size=128 --');
    const child = spawn(join(packageDir, 'bin/patter.js'), ['--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(text).toContain('patter serve <agent-module>');
    expect(code).toBe(0);
  });

  it('a missing or unreadable --env-file is a patter message', async () => {
    expect(SHEBANG.endsWith(' --')).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'patter-cli-'));
    try {
      running = runCli(['serve', fixture('browser-agent.mjs'), '--env-file', join(dir, 'missing.env')]);
      expect((await running.exited).code).toBe(2);
      expect(running.output()).toContain(`patter: --env-file: ${join(dir, 'missing.env')} does not exist`);
      running = runCli(['serve', fixture('browser-agent.mjs'), '--env-file', dir]);
      expect((await running.exited).code).toBe(2);
      expect(running.output()).toContain(`patter: --env-file: ${dir} is not a file`);
      expect(running.output()).not.toMatch(/^node:|EISDIR:/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves a TypeScript agent module, loading --env-file, and shuts down on SIGTERM', async () => {
    running = runCli(['serve', fixture('fake-agent.ts'), '--port', '0', '--env-file', fixture('fixture.env')]);
    const cli = running;
    await waitFor(() => /press Ctrl-C/.test(cli.output()), 15_000);
    const output = cli.output();
    expect(output).toContain(`loaded environment from ${fixture('fixture.env')}`);
    expect(output).toContain('carrier fake, number +1555***8888');
    expect(output).toMatch(/webhook POST http:\/\/127\.0\.0\.1:\d+\/fake\/voice/);
    const url = /serving .* on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
    expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ status: 'ok', activeCalls: 0 });

    // A call in progress when SIGTERM arrives.
    const { streamUrl } = JSON.parse((await post(`${url}/fake/voice`, '')).body) as { streamUrl: string };
    const ws = await openStream(streamUrl);
    const received: string[] = [];
    ws.on('message', (data) => received.push(JSON.parse(String(data)).event));
    send(ws, { event: 'start', callId: 'CA1' });
    let health: { status?: string; activeCalls?: number } = {};
    for (let i = 0; i < 200 && health.activeCalls !== 1; i++) {
      health = (await (await fetch(`${url}/health`)).json()) as typeof health;
    }
    expect(health.activeCalls).toBe(1);
    cli.child.kill('SIGTERM');
    // Draining: still up, refusing new calls, the running call goes on until the deadline (300 ms).
    await new Promise((resolve) => setTimeout(resolve, 50));
    const draining = await fetch(`${url}/health`);
    expect(draining.status).toBe(503);
    expect((await post(`${url}/fake/voice`, '')).status).toBe(503);
    send(ws, { event: 'media', payload: 'AQID' });
    expect(await closed(ws)).toBe(1000);
    expect(received).toContain('hangup');
    expect(await cli.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(cli.output()).toContain('call-end shutdown');
  });

  it('serves a plain JavaScript module without a carrier: the dev phone URL is printed and takes a text call', async () => {
    running = runCli(['serve', fixture('browser-agent.mjs'), '--port=0', '--host', '127.0.0.1']);
    const cli = running;
    await waitFor(() => /press Ctrl-C/.test(cli.output()), 15_000);
    const output = cli.output();
    const phoneUrl = /patter: dev phone (http:\/\/127\.0\.0\.1:\d+\/phone) \(open it/.exec(output)?.[1];
    expect(phoneUrl).toBeDefined();
    expect(output).not.toContain('patter: carrier');
    expect(output).not.toContain('patter: webhook');
    const url = phoneUrl!.replace(/\/phone$/, '');
    expect((await fetch(phoneUrl!)).headers.get('content-type')).toContain('text/html');

    // The call the page would place: a token from the page's origin, then the stream.
    const answer = (await (await fetch(`${url}/devphone/call`, { method: 'POST', headers: { origin: url } })).json()) as {
      mode: string;
      callId: string;
      streamPath: string;
    };
    expect(answer.mode).toBe('text');
    const ws = await openStream(`${url.replace('http', 'ws')}${answer.streamPath}`);
    const replies: string[] = [];
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { event: string; text?: string };
      if (message.event === 'reply' && message.text !== undefined) replies.push(message.text);
    });
    send(ws, { event: 'start', start: { streamId: 'S1', callId: answer.callId } });
    send(ws, { event: 'text', text: 'a table for two' });
    await waitFor(() => replies.length >= 2, 5_000);
    expect(replies).toEqual(['Hi from a JavaScript module', 'Echo: a table for two']);
    ws.close();
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('runs a terminal conversation with `patter test`', async () => {
    running = runCli(['test', fixture('text-agent.ts')], {}, 'I would like a table\n/quit\n');
    expect(await running.exited).toEqual({ code: 0, signal: null });
    const lines = running.output().split('\n');
    expect(lines).toContain('agent> Hello from the fixture');
    expect(lines).toContain('agent> You said: I would like a table');
    expect(running.output()).toMatch(/patter: conversation ended \(caller_hangup\)/);
  });
});
