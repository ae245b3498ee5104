/**
 * Campaign throughput of one instance and the queue's overhead per dialed call, against the fake
 * Twilio API, with limits far away (so the queue, not the carrier, is what is measured).
 * Run: node --conditions=@patter/source --import tsx src/test-support/campaign-bench.ts [postgres-url]
 */
import { createConsoleLogger } from '@patter/core';
import { migrate, openPGliteClient, openPostgresClient, type SqlClient } from '@patter/store';
import { FakeTwilioApi, type FakeTwilioCall } from '@patter/testing';
import { Fleet } from '../fleet.js';
import { ACCOUNT } from './campaign-harness.js';
import { TwilioRestDialer } from './twilio-rest-dialer.js';

const url = process.argv[2];
const N = Number(process.env.BENCH_CONTACTS ?? 400);
const logger = createConsoleLogger({ level: 'silent' });
let client: SqlClient;
let drop = async () => {};
if (url) {
  const admin = await openPostgresClient(url, logger, 1);
  const schema = `bench_${Date.now()}`;
  await admin.exec(`CREATE SCHEMA ${schema}`);
  const scoped = new URL(url);
  scoped.searchParams.set('options', `-c search_path=${schema}`);
  client = await openPostgresClient(scoped.toString(), logger, 8);
  drop = async () => {
    await admin.exec(`DROP SCHEMA ${schema} CASCADE; DROP SCHEMA pgb_${schema} CASCADE`);
    await admin.close();
  };
  await migrate(client);
  await runBench(client, `pgb_${schema}`);
} else {
  client = await openPGliteClient(undefined);
  await migrate(client);
  await runBench(client, 'pgboss');
}

async function runBench(db: SqlClient, schema: string): Promise<void> {
  const api = await new FakeTwilioApi(ACCOUNT, ACCOUNT, 'token').start();
  const dialer = new TwilioRestDialer(api.url, ACCOUNT, ACCOUNT, 'token');
  const fleet = await Fleet.start({ client: db, dialer, schema, slots: 20, tickMs: 200, limits: { cpsPerFromNumber: 1000, callsPerFromNumber: 1000 } });
  const push = api.calls.push.bind(api.calls);
  api.calls.push = (call: FakeTwilioCall) => {
    push(call);
    setTimeout(() => {
      call.status = 'completed';
      void fleet.callEnded(call.sid, 'completed');
    }, 200);
  };
  const started = performance.now();
  const cpu = process.cpuUsage();
  const { campaignId } = await fleet.campaign({
    contacts: Array.from({ length: N }, (_, i) => ({ to: `+1555100${String(i).padStart(4, '0')}` })),
    concurrency: 100,
    fromNumbers: Array.from({ length: 10 }, (_, i) => `+1555900${String(i).padStart(4, '0')}`),
  });
  for (;;) {
    const progress = await fleet.progress(campaignId);
    if (progress?.state === "done") break;
    if (process.env.BENCH_VERBOSE) console.log(((performance.now() - started) / 1000).toFixed(1), JSON.stringify(progress?.counts));
    await new Promise((resolve) => setTimeout(resolve, process.env.BENCH_VERBOSE ? 2000 : 100));
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({
      backend: url ? 'postgres' : 'pglite',
      contacts: N,
      seconds: Number(seconds.toFixed(2)),
      callsPerSecond: Number((N / seconds).toFixed(1)),
      cpuMsPerCall: Number(((used.user + used.system) / 1000 / N).toFixed(2)),
      restRequestsPerCall: Number((api.requests.items.length / N).toFixed(2)),
    }),
  );
  await fleet.stop();
  await api.close();
  await db.close();
  await drop();
}
