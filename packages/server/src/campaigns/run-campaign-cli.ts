import { basename, resolve } from 'node:path';
import { ConfigError } from '@patter/core';
import type { CampaignProgress } from '@patter/fleet';
import { CliUsageError, type CliCommand } from '../cli-args.js';
import type { AgentModule } from '../load-agent-module.js';
import type { Patter } from '../patter.js';
import type { FleetServeOptions } from './fleet-serve-options.js';
import { toFleetCampaign, type CampaignRequest } from './campaign-request.js';
import { readContactsCsv } from './read-contacts-csv.js';

type CampaignCommand = Extract<CliCommand, { command: 'campaign' }>;

/** Where `patter campaign` writes, and how often it prints progress. */
export interface CampaignCliIO {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly cwd: string;
  readonly progressMs: number;
}

/**
 * `patter campaign`: reads the CSV, starts the server with the fleet on (and the store, which holds
 * the campaign), starts the campaign, prints its progress until every contact is final, then
 * closes the server (calls still live finish first). Resolves with the exit code.
 */
export async function runCampaignCli(command: CampaignCommand, loaded: AgentModule, port: number, io: CampaignCliIO): Promise<number> {
  const { agent, serveOptions } = loaded;
  const phone = loaded.phone as Pick<Patter, 'serve' | 'campaign' | 'campaignProgress' | 'phoneNumber'>;
  if (typeof phone.campaign !== 'function') throw new CliUsageError('the agent module\'s @patter/server has no campaigns: update it');
  const contacts = await readContactsCsv(resolve(io.cwd, command.csv));
  const request: CampaignRequest = {
    name: command.name ?? basename(command.csv),
    contacts,
    concurrency: command.concurrency ?? 1,
    ...(command.from !== undefined && { fromNumbers: command.from }),
    ...(command.maxAttempts !== undefined && { retry: { onBusy: true, onNoAnswer: true, maxAttempts: command.maxAttempts } }),
  };
  // Every contact is checked before the server starts: a bad row fails fast, naming its line.
  try {
    toFleetCampaign(request, phone.phoneNumber);
  } catch (err) {
    throw csvError(err, command.csv);
  }
  const fleet: FleetServeOptions = typeof serveOptions.fleet === 'object' ? serveOptions.fleet : {};
  const handle = await phone.serve({
    ...serveOptions,
    agent,
    port,
    ...(command.host !== undefined && { host: command.host }),
    store: serveOptions.store ?? true,
    fleet: { ...fleet, ...(command.cps !== undefined && { limits: { ...fleet.limits, cpsPerFromNumber: command.cps } }) },
  });
  io.out(`patter: serving ${command.module} on ${handle.url}`);
  let campaignId: string;
  try {
    ({ campaignId } = await phone.campaign(request));
  } catch (err) {
    await handle.close({ timeoutMs: 0 });
    throw csvError(err, command.csv);
  }
  io.out(`patter: campaign ${campaignId} started: ${contacts.length} contacts from ${command.csv}`);
  let last = '';
  for (;;) {
    let progress: CampaignProgress | undefined;
    try {
      progress = await phone.campaignProgress(campaignId);
    } catch {
      io.err(`patter: campaign ${campaignId} stopped before its end (the server is shutting down); the contacts left stay queued`);
      return 1;
    }
    const line = progress === undefined ? 'unknown' : describe(progress);
    if (line !== last) io.out(`patter: campaign ${campaignId} ${line}`);
    last = line;
    if (progress === undefined || progress.state === 'done') break;
    await new Promise((done) => setTimeout(done, io.progressMs));
  }
  io.out(`patter: campaign ${campaignId} done; closing the server`);
  await handle.close();
  return 0;
}

function describe(progress: CampaignProgress): string {
  const { queued, dialing, in_call: inCall, done, failed } = progress.counts;
  return `${progress.state}: queued ${queued}, dialing ${dialing}, in call ${inCall}, done ${done}, failed ${failed}`;
}

/** A contact's ConfigError as the CSV line it came from (the header is line 1). */
function csvError(err: unknown, csv: string): unknown {
  if (!(err instanceof ConfigError)) return err;
  const match = /^contacts\[(\d+)\]\.?(.*)$/.exec(err.option);
  if (match === null) return err;
  const column = match[2] === '' ? '' : ` column ${match[2]!.replace(/^variables\./, '')}`;
  return new CliUsageError(`--csv: ${csv} line ${Number(match[1]) + 2}${column}: ${err.message.slice(err.option.length + 2)}`);
}
