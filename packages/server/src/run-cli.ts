import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PatterError } from '@patter/core';
import { maskPhoneNumber } from '@patter/core/plugin';
import { CliUsageError, parseCliArgs } from './cli-args.js';
import { CLI_HELP } from './cli-help.js';
import { describeWebhookChange } from './configure-carrier-webhooks.js';
import { loadAgentModule } from './load-agent-module.js';
import { runCampaignCli } from './campaigns/run-campaign-cli.js';
import { runTestMode } from './test-mode/run-test-mode.js';

/** Where the CLI writes; tests pass their own. */
export interface CliIO {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Test mode's input and output (default stdin / stdout). */
  readonly input?: NodeJS.ReadableStream;
  readonly output?: NodeJS.WritableStream;
}

const defaultIO: CliIO = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  env: process.env,
  cwd: process.cwd(),
};

/**
 * Runs one CLI command. Resolves with the exit code for commands that finish (help, errors, a
 * test-mode conversation); `serve` resolves 0 once the server is listening and keeps the process
 * alive until a signal.
 */
export async function runCli(argv: readonly string[], io: CliIO = defaultIO): Promise<number> {
  let command;
  try {
    command = parseCliArgs(argv);
  } catch (err) {
    return usageError(io, err);
  }
  if (command.command === 'help') {
    io.out(CLI_HELP);
    return 0;
  }
  if (command.command === 'version') {
    io.out(await packageVersion());
    return 0;
  }
  try {
    const envFile = command.envFile ?? (existsSync(resolve(io.cwd, '.env')) ? '.env' : undefined);
    if (envFile !== undefined) {
      const path = resolve(io.cwd, envFile);
      if (!existsSync(path)) throw new CliUsageError(`--env-file: ${path} does not exist`);
      loadEnvFile(path);
      io.out(`patter: loaded environment from ${envFile}`);
    }
    const loaded = await loadAgentModule(resolve(io.cwd, command.module));
    const { phone, agent, serveOptions } = loaded;
    if (command.command === 'test') {
      const summary = await runTestMode({ agent, ...(io.input && { input: io.input }), ...(io.output && { output: io.output }) });
      io.out(`patter: conversation ended (${summary.reason}) after ${Math.round(summary.durationMs / 1000)} s`);
      return 0;
    }
    const envPort = io.env.PORT !== undefined && /^\d+$/.test(io.env.PORT) ? Number(io.env.PORT) : undefined;
    const port = command.port ?? envPort ?? serveOptions.port ?? 8000;
    if (command.command === 'campaign') {
      const progressMs = Number(io.env.PATTER_CAMPAIGN_PROGRESS_MS) > 0 ? Number(io.env.PATTER_CAMPAIGN_PROGRESS_MS) : 5_000;
      return await runCampaignCli(command, loaded, port, { out: io.out, err: io.err, cwd: io.cwd, progressMs });
    }
    const handle = await phone.serve({
      ...serveOptions,
      agent,
      port,
      ...(command.host !== undefined && { host: command.host }),
      ...(command.autoConfigure === true && { autoConfigure: true }),
    });
    io.out(`patter: serving ${command.module} on ${handle.url}`);
    if (phone.carrier) io.out(`patter: carrier ${phone.carrier.key}, number ${maskPhoneNumber(phone.phoneNumber)}`);
    if (handle.devPhoneUrl) {
      const reach = handle.devPhoneAccess === 'secret' ? `other devices: ${handle.publicUrl}/phone, after logging in with the dev phone secret` : 'this machine only; set PATTER_DEVPHONE_SECRET to open it to other devices';
      io.out(`patter: dev phone ${handle.devPhoneUrl} (open it to call the agent from your browser; ${reach})`);
    }
    io.out(`patter: health ${handle.url}/health`);
    // Without a carrier the routes are the dev phone's own: nothing to configure anywhere.
    if (phone.carrier) for (const webhook of handle.webhooks) io.out(`patter: webhook ${webhook}`);
    if (handle.webhookChanges !== undefined) {
      for (const change of handle.webhookChanges) io.out(`patter: auto-configure ${phone.carrier?.key ?? ''} ${describeWebhookChange(change)}`);
      io.out('patter: auto-configure restores nothing on exit: the number keeps pointing at this URL');
    }
    io.out('patter: press Ctrl-C to stop');
    return 0;
  } catch (err) {
    if (err instanceof CliUsageError) return usageError(io, err);
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      io.err('patter: that port is already in use; pick another with --port');
      return 1;
    }
    io.err(`patter: ${PatterError.is(err) ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  }
}

/** `process.loadEnvFile` (Node >= 20.12), its failures (a directory, no permission) as patter messages. */
function loadEnvFile(path: string): void {
  if (typeof process.loadEnvFile !== 'function') {
    throw new CliUsageError(`--env-file needs Node.js 20.12 or newer (this is ${process.version}); set the variables in your shell instead`);
  }
  if (!statSync(path).isFile()) throw new CliUsageError(`--env-file: ${path} is not a file`);
  try {
    process.loadEnvFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliUsageError(`--env-file: ${path} ${code === 'EACCES' ? 'is not readable (permission denied)' : `cannot be read (${code ?? 'error'})`}`);
  }
}

function usageError(io: CliIO, err: unknown): number {
  io.err(`patter: ${err instanceof Error ? err.message : String(err)}`);
  io.err('Run patter --help for usage.');
  return 2;
}

async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
