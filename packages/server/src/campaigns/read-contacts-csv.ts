import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { CampaignContact } from '@patter/fleet';
import { CliUsageError } from '../cli-args.js';

/**
 * The contacts of a campaign CSV: a header row with `to` (E.164), optionally `timeZone` (IANA),
 * and any other columns as the contact's variables (`{name}` in the agent's prompt and messages).
 */
export async function readContactsCsv(path: string): Promise<CampaignContact[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliUsageError(`--csv: ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, bom: true, trim: true, skip_empty_lines: true }) as Record<string, string>[];
  } catch (err) {
    throw new CliUsageError(`--csv: ${path} is not valid CSV (${(err as Error).message})`);
  }
  if (rows.length === 0) throw new CliUsageError(`--csv: ${path} has no contacts (a header row with "to", then one row per contact)`);
  if (!Object.hasOwn(rows[0]!, 'to')) throw new CliUsageError(`--csv: ${path} needs a "to" column (E.164 numbers like +15550001234)`);
  return rows.map((row) => {
    const { to, timeZone, ...variables } = row;
    return { to: to ?? '', variables, ...(timeZone !== undefined && timeZone !== '' && { timeZone }) };
  });
}
