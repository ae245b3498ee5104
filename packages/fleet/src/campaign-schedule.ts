import { randomUUID } from 'node:crypto';
import { ConfigError } from '@patter/core';
import type { SqlClient } from '@patter/store';
import { Cron } from 'croner';
import { validateCampaign, type CampaignOptions } from './campaign-options.js';

type Tx = Pick<SqlClient, 'query' | 'exec'>;

/** A recurring campaign: `campaign` starts at every occurrence of `cron` in `timeZone`. */
export interface ScheduleOptions {
  /** Five or six fields (`30 9 * * 1-5` = 09:30 on week days). */
  readonly cron: string;
  /** IANA zone the cron expression reads in; DST is handled by the zone's rules. Default UTC. */
  readonly timeZone?: string;
  readonly campaign: Omit<CampaignOptions, 'startAt'>;
}

/** The next occurrence strictly after `after`, in the schedule's zone (croner). */
export function nextOccurrence(cron: string, timeZone: string, after: number): number {
  let job: Cron;
  try {
    job = new Cron(cron, { timezone: timeZone, paused: true });
  } catch (error) {
    throw new ConfigError('cron', `not a cron expression (${(error as Error).message})`);
  }
  const next = job.nextRun(new Date(after));
  job.stop();
  if (next === null) throw new ConfigError('cron', 'the expression never fires again');
  return next.getTime();
}

export async function createSchedule(client: SqlClient, options: ScheduleOptions, now: number): Promise<string> {
  if (typeof options?.cron !== 'string') throw new ConfigError('cron', 'expected a cron expression');
  const timeZone = options.timeZone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new ConfigError('timeZone', 'expected an IANA time zone like Europe/Rome');
  }
  validateCampaign(options.campaign);
  const next = nextOccurrence(options.cron, timeZone, now);
  const scheduleId = `sch_${randomUUID()}`;
  await client.query(
    'INSERT INTO patter_schedules (schedule_id, cron, time_zone, campaign, next_at) VALUES ($1, $2, $3, $4, to_timestamp($5 / 1000.0))',
    [scheduleId, options.cron, timeZone, JSON.stringify(options.campaign), next],
  );
  return scheduleId;
}

/**
 * Starts the due occurrences, inside `tx`: each due schedule row is locked (others skip it),
 * its campaign created by `start`, and `next_at` moved past now, so an occurrence runs once in
 * the fleet. Occurrences missed while no instance ran are not replayed: the next one is after now.
 */
export async function startDueSchedules(
  tx: Tx,
  now: number,
  start: (tx: Tx, campaign: CampaignOptions) => Promise<string>,
): Promise<number> {
  const due = await tx.query<{ schedule_id: string; cron: string; time_zone: string; campaign: CampaignOptions }>(
    `SELECT schedule_id, cron, time_zone, campaign FROM patter_schedules
      WHERE state = 'active' AND next_at <= to_timestamp($1 / 1000.0) ORDER BY next_at LIMIT 10 FOR UPDATE SKIP LOCKED`,
    [now],
  );
  for (const row of due) {
    const campaignId = await start(tx, row.campaign);
    await tx.query('UPDATE patter_schedules SET next_at = to_timestamp($2 / 1000.0), last_campaign_id = $3 WHERE schedule_id = $1', [
      row.schedule_id,
      nextOccurrence(row.cron, row.time_zone, now),
      campaignId,
    ]);
  }
  return due.length;
}
