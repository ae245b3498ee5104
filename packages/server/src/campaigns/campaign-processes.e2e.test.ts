import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createConsoleLogger } from '@patter/core';
import { migrate, openPostgresClient, type SqlClient } from '@patter/store';
import { FakeTwilioApi, TwilioSimulator, type FakeTwilioCall } from '@patter/testing';
import { afterAll, describe, expect, it } from 'vitest';

const DATABASE_URL = process.env.PATTER_TEST_DATABASE_URL;
if (!DATABASE_URL) console.warn('campaign multi-process test skipped: set PATTER_TEST_DATABASE_URL to a PostgreSQL (.ci/run starts one)');

// 3 full Patter servers (phone.serve() with the fleet) on one PostgreSQL; 72 contacts,
// campaign concurrency 12, 6 from-numbers at 2 calls per second and 2 live calls each; every
// answered call talks ~1.2 s and hangs up; server c is killed with SIGKILL mid-campaign.
const CONTACTS = 72;
const CONCURRENCY = 12;
const FROM_NUMBERS = Array.from({ length: 6 }, (_, i) => `+1415555900${i}`);
const LIMITS = { cpsPerFromNumber: 2, callsPerFromNumber: 2 };
const TALK_MS = 1200;
const ACCOUNT_SID = 'AC' + 'a7'.repeat(16);
const AUTH_TOKEN = 'campaign-processes-token';

const logger = createConsoleLogger({ level: 'silent' });
const childScript = fileURLToPath(new URL('../test-support/campaign-server-process.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('../..', import.meta.url));

describe.skipIf(!DATABASE_URL)('campaigns on 3 Patter server processes sharing PostgreSQL, one killed with SIGKILL', () => {
  const children: ChildProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('every contact ends final, none is dialed twice, the limits hold at every instant, the survivors store every call', async () => {
    const schema = `patter_campaign_${randomBytes(5).toString('hex')}`;
    const jobSchema = `pgboss_${randomBytes(5).toString('hex')}`;
    const admin = await openPostgresClient(DATABASE_URL as string, logger, 1);
    await admin.exec(`CREATE SCHEMA ${schema}`);
    cleanups.push(async () => {
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${jobSchema} CASCADE`);
      await admin.close();
    });
    const url = new URL(DATABASE_URL as string);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const client: SqlClient = await openPostgresClient(url.toString(), logger, 2);
    cleanups.push(() => client.close());
    await migrate(client);

    // The carrier: FakeTwilioApi creates each call; the simulator answers it by opening the media
    // stream its TwiML names (the dialing server's own URL), talks, and hangs up. A stream that
    // cannot open or drops (its server died) ends the call, as Twilio ends <Connect><Stream>.
    const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
    cleanups.push(() => api.close());
    const simulator = new TwilioSimulator({ serverUrl: 'http://127.0.0.1:9', authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
    const live = new Map<string, number>();
    let liveTotal = 0;
    let maxLive = 0;
    const maxPerFrom = new Map<string, number>();
    const servedBy = new Map<string, string>();
    const ended = new Set<string>();
    const timers = new Set<ReturnType<typeof setTimeout>>();
    cleanups.push(async () => timers.forEach(clearTimeout));
    const end = (call: FakeTwilioCall) => {
      if (ended.has(call.sid)) return;
      ended.add(call.sid);
      call.status = 'completed';
      const from = call.form.get('From')!;
      live.set(from, live.get(from)! - 1);
      liveTotal -= 1;
    };
    const answer = async (call: FakeTwilioCall) => {
      const twiml = call.form.get('Twiml')!;
      servedBy.set(call.sid, /url="wss?:\/\/([^/]+)\//.exec(twiml)?.[1] ?? '');
      try {
        const stream = await simulator.connect(twiml, call.sid);
        call.status = 'in-progress';
        void stream.closed.then(() => end(call));
        const timer = setTimeout(() => {
          timers.delete(timer);
          // The callee hangs up: the call is over now, whenever the stream's close handshake ends.
          end(call);
          void stream.stop().catch(() => undefined);
        }, TALK_MS);
        timers.add(timer);
      } catch {
        end(call);
      }
    };
    const push = api.calls.push.bind(api.calls);
    api.calls.push = (call: FakeTwilioCall) => {
      push(call);
      const from = call.form.get('From')!;
      live.set(from, (live.get(from) ?? 0) + 1);
      maxPerFrom.set(from, Math.max(maxPerFrom.get(from) ?? 0, live.get(from)!));
      liveTotal += 1;
      maxLive = Math.max(maxLive, liveTotal);
      void answer(call);
    };

    const start = (id: string) => {
      const child = fork(childScript, [], {
        cwd: packageDir,
        execArgv: ['--conditions=@patter/source', '--import', 'tsx'],
        env: {
          ...process.env,
          CAMPAIGN_ACCOUNT_SID: ACCOUNT_SID,
          CAMPAIGN_AUTH_TOKEN: AUTH_TOKEN,
          CAMPAIGN_API_URL: api.url,
          CAMPAIGN_DATABASE_URL: url.toString(),
          CAMPAIGN_WORKER_ID: id,
          CAMPAIGN_JOB_SCHEMA: jobSchema,
          CAMPAIGN_LIMITS: JSON.stringify(LIMITS),
        },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      return child;
    };
    const servers = [start('a'), start('b'), start('c')];
    const urls = await Promise.all(
      servers.map((child) =>
        Promise.race([
          once(child, 'message').then(([message]) => (message as { url: string }).url),
          once(child, 'exit').then(() => Promise.reject(new Error('a server exited before it listened'))),
        ]),
      ),
    );
    const hostOf = (serverUrl: string) => new URL(serverUrl).host;
    const killedHost = hostOf(urls[2]!);

    // phone.campaign() on server a (asked over IPC); every server of the fleet dials its contacts.
    const started = performance.now();
    const contacts = Array.from({ length: CONTACTS }, (_, i) => ({ to: `+1415556${String(i).padStart(4, '0')}`, variables: { name: `n${i}` } }));
    servers[0]!.send({ campaign: { contacts, concurrency: CONCURRENCY, fromNumbers: FROM_NUMBERS } });
    const [reply] = (await once(servers[0]!, 'message')) as [{ campaignId?: string; error?: string }];
    expect(reply.error).toBeUndefined();
    const campaignId = reply.campaignId!;

    // kill -9 server c once it has live calls of its own.
    const deadline = performance.now() + 30_000;
    while ([...servedBy.entries()].filter(([sid, host]) => host === killedHost && !ended.has(sid)).length < 2) {
      if (performance.now() > deadline) throw new Error('server c never had two live calls');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    servers[2]!.kill('SIGKILL');
    const [, signal] = await once(servers[2]!, 'exit');
    expect(signal).toBe('SIGKILL');

    type Counts = Record<string, number>;
    let counts: Counts = {};
    for (;;) {
      const rows = await client.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM patter_campaign_contacts WHERE campaign_id = $1 GROUP BY state', [campaignId]);
      counts = Object.fromEntries(rows.map((row) => [row.state, row.n]));
      const [campaign] = await client.query<{ state: string }>('SELECT state FROM patter_campaigns WHERE campaign_id = $1', [campaignId]);
      if (campaign?.state === 'done') break;
      if (performance.now() - started > 60_000) throw new Error(`campaign not done: ${JSON.stringify(counts)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const seconds = (performance.now() - started) / 1000;

    // Every contact final; those the killed server had in a call were reconciled with the carrier.
    expect(counts).toEqual({ done: CONTACTS });
    // The calls the killed server had live were learned from the carrier (GET Calls.json), not redialed.
    expect(api.requests.items.filter((r) => r.method === 'GET').length).toBeGreaterThanOrEqual(1);
    // None dialed twice: exactly one call per contact in the carrier's log.
    const perContact = new Map<string, number>();
    for (const call of api.calls.items) perContact.set(call.form.get('To')!, (perContact.get(call.form.get('To')!) ?? 0) + 1);
    expect(perContact.size).toBe(CONTACTS);
    expect([...perContact.values()].every((n) => n === 1)).toBe(true);
    // Limits at every instant, from the carrier's side (a call is live from its creation to its end).
    expect(maxLive).toBeLessThanOrEqual(CONCURRENCY);
    for (const from of FROM_NUMBERS) expect(maxPerFrom.get(from) ?? 0).toBeLessThanOrEqual(LIMITS.callsPerFromNumber);
    for (const from of FROM_NUMBERS) {
      const times = api.calls.items.filter((c) => c.form.get('From') === from).map((c) => c.createdAt!);
      // 2 per second: never 3 within one second (a wide margin against a loaded machine's timers).
      for (let i = 2; i < times.length; i += 1) expect(times[i]! - times[i - 2]!).toBeGreaterThan(900);
    }
    // All three servers dialed; the survivors stored a record of every call they served.
    const hosts = new Set(servedBy.values());
    for (const serverUrl of urls) expect(hosts.has(hostOf(serverUrl))).toBe(true);
    const survivors = [...servedBy.entries()].filter(([, host]) => host !== killedHost).map(([sid]) => sid);
    const stored = async () => (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM patter_calls WHERE call_id = ANY($1)', [survivors]))[0]!.n;
    const until = performance.now() + 20_000;
    while ((await stored()) < survivors.length && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await stored()).toBe(survivors.length);
    console.info(`campaign: ${CONTACTS} contacts in ${seconds.toFixed(1)} s on 3 servers (one killed), max ${maxLive} live`);

    for (const child of servers.slice(0, 2)) child.send('stop');
    await Promise.all(servers.slice(0, 2).map((child) => once(child, 'exit')));
  }, 150_000);
});
