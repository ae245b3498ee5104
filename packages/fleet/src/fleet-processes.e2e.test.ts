import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createConsoleLogger } from '@patter/core';
import { migrate, openPostgresClient, type SqlClient } from '@patter/store';
import { FakeTwilioApi, type FakeTwilioCall } from '@patter/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { Fleet } from './fleet.js';
import { ACCOUNT, CallLedger } from './test-support/campaign-harness.js';
import { TwilioRestDialer } from './test-support/twilio-rest-dialer.js';

const DATABASE_URL = process.env.PATTER_TEST_DATABASE_URL;
if (!DATABASE_URL) console.warn('fleet multi-process test skipped: set PATTER_TEST_DATABASE_URL to a PostgreSQL (.ci/run starts one)');

// The numbers: 300 contacts, campaign concurrency 30, 12 from-numbers at 1 call per second and
// at most 3 live calls each, calls of 1.5 s; 3 processes x 10 job slots; dialing leases of 4 s.
const CONTACTS = 300;
const CONCURRENCY = 30;
const FROM_NUMBERS = Array.from({ length: 12 }, (_, i) => `+1555900${String(i).padStart(4, '0')}`);
const LIMITS = { cpsPerFromNumber: 1, callsPerFromNumber: 3 };
const CALL_MS = 1500;

const logger = createConsoleLogger({ level: 'silent' });
const here = fileURLToPath(new URL('.', import.meta.url));

describe.skipIf(!DATABASE_URL)('a fleet of 3 processes on PostgreSQL, one killed with SIGKILL mid-campaign', () => {
  const children: ChildProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('every contact ends final, none is dialed twice, the limits hold at every instant, every attempt is stored', async () => {
    const schema = `patter_fleet_${randomBytes(5).toString('hex')}`;
    const bossSchema = `pgboss_${randomBytes(5).toString('hex')}`;
    const admin = await openPostgresClient(DATABASE_URL as string, logger, 1);
    await admin.exec(`CREATE SCHEMA ${schema}`);
    cleanups.push(async () => {
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${bossSchema} CASCADE`);
      await admin.close();
    });
    const url = new URL(DATABASE_URL as string);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const client: SqlClient = await openPostgresClient(url.toString(), logger, 4);
    cleanups.push(() => client.close());
    await migrate(client);

    // The carrier: creates calls, "answers" them, and ends each after CALL_MS; the status
    // callback reaches an instance that is not dialing (any instance answers any webhook).
    const api = await new FakeTwilioApi(ACCOUNT, ACCOUNT, 'token').start();
    cleanups.push(() => api.close());
    const reporter = await Fleet.start({ client, dialer: new TwilioRestDialer(api.url, ACCOUNT, ACCOUNT, 'token'), schema: bossSchema, work: false });
    cleanups.push(() => reporter.stop());
    const ledger = new CallLedger();
    let maxInCampaign = 0;
    const timers = new Set<ReturnType<typeof setTimeout>>();
    cleanups.push(async () => timers.forEach(clearTimeout));
    const push = api.calls.push.bind(api.calls);
    api.calls.push = (call: FakeTwilioCall) => {
      push(call);
      const from = call.form.get('From') ?? '';
      ledger.started(from);
      maxInCampaign = Math.max(maxInCampaign, ledger.live);
      const timer = setTimeout(() => {
        timers.delete(timer);
        call.status = 'completed';
        ledger.ended(from);
        void reporter.callEnded(call.sid, 'completed');
      }, CALL_MS);
      timers.add(timer);
    };

    const start = (id: string, dieAfterDials: number) => {
      const child = fork(`${here}test-support/fleet-worker.ts`, [], {
        cwd: `${here}..`,
        execArgv: ['--conditions=@patter/source', '--import', 'tsx'],
        env: {
          ...process.env,
          FLEET_DATABASE_URL: url.toString(),
          FLEET_API_URL: api.url,
          FLEET_WORKER_ID: id,
          FLEET_BOSS_SCHEMA: bossSchema,
          FLEET_SLOTS: '10',
          FLEET_LEASE_MS: '4000',
          FLEET_LIMITS: JSON.stringify(LIMITS),
          FLEET_DIE_AFTER_DIALS: String(dieAfterDials),
        },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      return child;
    };
    // Instance c dies with SIGKILL right after the carrier created its 25th call, before recording it.
    const workers = [start('a', 0), start('b', 0), start('c', 25)];
    await Promise.all(
      workers.map((child) =>
        Promise.race([once(child, 'message'), once(child, 'exit').then(() => Promise.reject(new Error('a fleet worker exited before it was ready')))]),
      ),
    );

    const started = performance.now();
    const contacts = Array.from({ length: CONTACTS }, (_, i) => ({ to: `+1555100${String(i).padStart(4, '0')}`, variables: { i: String(i) } }));
    const { campaignId } = await reporter.campaign({ contacts, concurrency: CONCURRENCY, fromNumbers: FROM_NUMBERS });
    const killed = once(workers[2]!, 'exit');
    for (;;) {
      const progress = await reporter.progress(campaignId);
      if (progress?.state === 'done') break;
      if (performance.now() - started > 150_000) throw new Error(`campaign not done: ${JSON.stringify(progress?.counts)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const seconds = (performance.now() - started) / 1000;
    const [, signal] = await killed;
    expect(signal).toBe('SIGKILL');

    const progress = await reporter.progress(campaignId);
    expect(progress?.counts).toEqual({ queued: 0, dialing: 0, in_call: 0, done: CONTACTS, failed: 0 });
    // None dialed twice: the carrier created exactly one call per contact.
    const perContact = new Map<string, number>();
    for (const call of api.calls.items) perContact.set(call.form.get('To') ?? '', (perContact.get(call.form.get('To') ?? '') ?? 0) + 1);
    expect(perContact.size).toBe(CONTACTS);
    expect([...perContact.values()].every((n) => n === 1)).toBe(true);
    // Limits at every instant, from the carrier's own log.
    expect(maxInCampaign).toBeLessThanOrEqual(CONCURRENCY);
    for (const from of FROM_NUMBERS) expect(ledger.maxPerFrom.get(from) ?? 0).toBeLessThanOrEqual(LIMITS.callsPerFromNumber);
    for (const from of FROM_NUMBERS) {
      const times = api.calls.items.filter((c) => c.form.get('From') === from).map((c) => c.createdAt ?? 0);
      for (let i = 2; i < times.length; i += 1) expect(times[i]! - times[i - 2]!).toBeGreaterThan(1000);
    }
    // Every attempt stored with its call id, and the killed instance's in-flight dial was reconciled.
    const rows = await client.query<{ n: number; with_call: number; by_c: number }>(
      "SELECT count(*)::int AS n, count(call_id)::int AS with_call, count(*) FILTER (WHERE worker = 'c')::int AS by_c FROM patter_campaign_attempts",
    );
    expect(rows[0]).toMatchObject({ n: CONTACTS, with_call: CONTACTS });
    expect(api.requests.items.some((r) => r.method === 'GET')).toBe(true);
    console.info(`fleet: ${CONTACTS} contacts in ${seconds.toFixed(1)} s on 3 processes (one killed), ${(CONTACTS / seconds).toFixed(1)} calls/s, max ${maxInCampaign} live`);
    for (const child of workers.slice(0, 2)) child.send('stop');
    await Promise.all(workers.slice(0, 2).map((child) => once(child, 'exit')));
  }, 200_000);
});
