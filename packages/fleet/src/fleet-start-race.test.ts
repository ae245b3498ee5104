import { randomBytes } from 'node:crypto';
import { createConsoleLogger } from '@patter/core';
import { migrate, openPostgresClient, type SqlClient } from '@patter/store';
import { afterAll, describe, expect, it } from 'vitest';
import { Fleet } from './fleet.js';
import { ACCOUNT } from './test-support/campaign-harness.js';
import { TwilioRestDialer } from './test-support/twilio-rest-dialer.js';

const DATABASE_URL = process.env.PATTER_TEST_DATABASE_URL;
if (!DATABASE_URL) console.warn('fleet start-race test skipped: set PATTER_TEST_DATABASE_URL to a PostgreSQL (.ci/run starts one)');
const logger = createConsoleLogger({ level: 'silent' });

describe.skipIf(!DATABASE_URL)('fleets starting together on an empty PostgreSQL', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('all start: the race to create the job schema is tried again, not fatal', async () => {
    const admin = await openPostgresClient(DATABASE_URL as string, logger, 1);
    cleanups.push(() => admin.close());
    for (let round = 0; round < 3; round++) {
      const schema = `patter_race_${randomBytes(5).toString('hex')}`;
      const jobSchema = `pgboss_race_${randomBytes(5).toString('hex')}`;
      await admin.exec(`CREATE SCHEMA ${schema}`);
      cleanups.push(() => admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${jobSchema} CASCADE`));
      const url = new URL(DATABASE_URL as string);
      url.searchParams.set('options', `-c search_path=${schema}`);
      // One pool per "server", as separate processes have.
      const clients: SqlClient[] = await Promise.all(Array.from({ length: 4 }, () => openPostgresClient(url.toString(), logger, 2)));
      cleanups.push(async () => void (await Promise.all(clients.map((c) => c.close()))));
      await migrate(clients[0]!);
      const dialer = new TwilioRestDialer('http://127.0.0.1:9', ACCOUNT, ACCOUNT, 'token');
      const fleets = await Promise.all(clients.map((client) => Fleet.start({ client, dialer, schema: jobSchema, work: false })));
      expect(fleets).toHaveLength(4);
      await Promise.all(fleets.map((fleet) => fleet.stop()));
    }
  }, 60_000);
});
