import { PatterError } from '@patter/core';
import { CAMPAIGN_FLAGS, parseCampaignFlags, type CampaignCliOptions } from './campaigns/campaign-cli-args.js';

/** What the command line asked for. */
export type CliCommand =
  | { readonly command: 'help' }
  | { readonly command: 'version' }
  | {
      readonly command: 'serve' | 'test';
      readonly module: string;
      readonly port?: number;
      readonly host?: string;
      readonly envFile?: string;
      /** `--auto-configure`: point the carrier's number at this server on start. */
      readonly autoConfigure?: boolean;
    }
  | ({
      readonly command: 'campaign';
      readonly module: string;
      readonly port?: number;
      readonly host?: string;
      readonly envFile?: string;
    } & CampaignCliOptions);

/** A command line the CLI cannot run; printed with a pointer to `--help`, exit code 2. */
export class CliUsageError extends PatterError {}

const VALUE_FLAGS = new Set(['--port', '--host', '--env-file']);
const BOOLEAN_FLAGS = new Set(['--auto-configure']);

/** Parses `patter <command> [module] [--port N] [--host H] [--env-file F]` (also `--flag=value`). */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return { command: 'help' };
    if (arg === '-v' || arg === '--version') return { command: 'version' };
    if (!arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (BOOLEAN_FLAGS.has(name)) {
      if (eq > 0) throw new CliUsageError(`${name} takes no value`);
      flags.set(name, 'true');
      continue;
    }
    if (!VALUE_FLAGS.has(name) && !CAMPAIGN_FLAGS.has(name)) throw new CliUsageError(`unknown option ${name}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new CliUsageError(`${name} needs a value`);
    flags.set(name, value);
  }
  const [command, positionalModule, ...extra] = positional;
  if (command === undefined || command === 'help') return { command: 'help' };
  if (command !== 'serve' && command !== 'test' && command !== 'campaign') throw new CliUsageError(`unknown command "${command}"`);
  const campaignFlag = [...flags.keys()].find((flag) => CAMPAIGN_FLAGS.has(flag));
  if (command !== 'campaign' && campaignFlag !== undefined) throw new CliUsageError(`${campaignFlag} works with patter campaign only`);
  // `patter campaign --agent ./agent.ts` names the module with a flag; the other commands take it as an argument.
  const module = positionalModule ?? flags.get('--agent');
  if (module === undefined) throw new CliUsageError(`patter ${command} needs the path of your agent module, e.g. patter ${command} ./agent.ts`);
  if (extra.length > 0) throw new CliUsageError(`unexpected argument "${extra[0]}"`);
  const port = flags.get('--port');
  if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new CliUsageError('--port must be a number from 0 to 65535');
  const host = flags.get('--host');
  const envFile = flags.get('--env-file');
  if (command !== 'serve' && flags.has('--auto-configure')) throw new CliUsageError('--auto-configure works with patter serve only');
  if (command === 'campaign') {
    if (positionalModule !== undefined && flags.has('--agent')) throw new CliUsageError('give the agent module once: as an argument or with --agent');
    return {
      command,
      module,
      ...(port !== undefined && { port: Number(port) }),
      ...(host !== undefined && { host }),
      ...(envFile !== undefined && { envFile }),
      ...parseCampaignFlags(flags),
    };
  }
  return {
    command,
    module,
    ...(port !== undefined && { port: Number(port) }),
    ...(host !== undefined && { host }),
    ...(envFile !== undefined && { envFile }),
    ...(flags.has('--auto-configure') && { autoConfigure: true }),
  };
}
