import { CliUsageError } from '../cli-args.js';

/** `patter campaign` options beyond the module, port, host and env file. */
export interface CampaignCliOptions {
  readonly csv: string;
  /** `--from +1555…,+1555…`: the numbers to dial from (default the Patter's `phoneNumber`). */
  readonly from?: readonly string[];
  readonly concurrency?: number;
  /** Calls per second per from-number. */
  readonly cps?: number;
  readonly maxAttempts?: number;
  readonly name?: string;
}

export const CAMPAIGN_FLAGS = new Set(['--csv', '--agent', '--from', '--concurrency', '--cps', '--max-attempts', '--name']);

const positiveInt = (flag: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,5}$/.test(value)) throw new CliUsageError(`${flag} must be a whole number >= 1`);
  return Number(value);
};

/** The campaign flags of a command line (`flags` as parsed); throws CliUsageError naming the flag. */
export function parseCampaignFlags(flags: ReadonlyMap<string, string>): CampaignCliOptions {
  const csv = flags.get('--csv');
  if (csv === undefined) throw new CliUsageError('patter campaign needs --csv <contacts.csv> (a header row with "to", then one contact per row)');
  const from = flags.get('--from')?.split(',').map((number) => number.trim()).filter((number) => number !== '');
  if (from !== undefined && (from.length === 0 || from.some((number) => !/^\+[1-9]\d{6,14}$/.test(number)))) {
    throw new CliUsageError('--from must be E.164 numbers like +15550001234, comma-separated');
  }
  const cps = flags.get('--cps');
  if (cps !== undefined && !(/^\d+(\.\d+)?$/.test(cps) && Number(cps) > 0)) throw new CliUsageError('--cps must be a number > 0');
  const concurrency = positiveInt('--concurrency', flags.get('--concurrency'));
  const maxAttempts = positiveInt('--max-attempts', flags.get('--max-attempts'));
  const name = flags.get('--name');
  return {
    csv,
    ...(from !== undefined && { from }),
    ...(concurrency !== undefined && { concurrency }),
    ...(cps !== undefined && { cps: Number(cps) }),
    ...(maxAttempts !== undefined && { maxAttempts }),
    ...(name !== undefined && { name }),
  };
}
