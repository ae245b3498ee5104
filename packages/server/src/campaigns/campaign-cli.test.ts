import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPGliteClient } from '@patter/store';
import { FakeTwilioApi, TwilioSimulator, type FakeTwilioCall } from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCliArgs } from '../cli-args.js';
import { CLI_HELP } from '../cli-help.js';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const ACCOUNT_SID = 'AC' + 'f6'.repeat(16);
const AUTH_TOKEN = 'campaign-cli-auth-token';

describe('parseCliArgs: patter campaign', () => {
  it('parses the campaign flags; the module as --agent or as the argument', () => {
    expect(parseCliArgs(['campaign', '--csv', 'c.csv', '--agent', './agent.ts', '--from', '+15550001111,+15550002222', '--concurrency=12', '--cps', '2.5', '--max-attempts', '3', '--name', 'spring'])).toEqual({
      command: 'campaign',
      module: './agent.ts',
      csv: 'c.csv',
      from: ['+15550001111', '+15550002222'],
      concurrency: 12,
      cps: 2.5,
      maxAttempts: 3,
      name: 'spring',
    });
    expect(parseCliArgs(['campaign', './agent.ts', '--csv=c.csv', '--port', '0'])).toEqual({ command: 'campaign', module: './agent.ts', csv: 'c.csv', port: 0 });
  });

  it('is in the help', () => {
    expect(CLI_HELP).toContain('patter campaign --csv contacts.csv --agent <agent-module>');
    expect(CLI_HELP).toContain('--max-attempts <n>');
  });

  it('explains what is wrong with a campaign command line', () => {
    expect(() => parseCliArgs(['campaign', './agent.ts'])).toThrow(/needs --csv/);
    expect(() => parseCliArgs(['campaign', '--csv', 'c.csv'])).toThrow(/needs the path of your agent module/);
    expect(() => parseCliArgs(['campaign', 'a.ts', '--csv', 'c.csv', '--agent', 'b.ts'])).toThrow(/once/);
    expect(() => parseCliArgs(['campaign', 'a.ts', '--csv', 'c.csv', '--from', '555'])).toThrow(/--from must be E.164/);
    expect(() => parseCliArgs(['campaign', 'a.ts', '--csv', 'c.csv', '--concurrency', '0'])).toThrow(/--concurrency must be a whole number/);
    expect(() => parseCliArgs(['campaign', 'a.ts', '--csv', 'c.csv', '--cps', '-1'])).toThrow(/--cps must be a number/);
    expect(() => parseCliArgs(['campaign', 'a.ts', '--csv', 'c.csv', '--auto-configure'])).toThrow(/serve only/);
    expect(() => parseCliArgs(['serve', 'a.ts', '--csv', 'c.csv'])).toThrow(/--csv works with patter campaign only/);
  });
});

interface Cli {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runCli(args: string[], env: Record<string, string>): Cli {
  const child = spawn(process.execPath, ['--conditions=@patter/source', '--import', 'tsx', '--', 'src/cli.ts', ...args], {
    cwd: packageDir,
    env: { ...process.env, PATTER_LOG_LEVEL: 'silent', PORT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => text, exited };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('patter campaign (spawned)', { timeout: 180_000 }, () => {
  it('reads the CSV, dials every contact with its variables from --from, prints progress, and exits 0 when all are final', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patter-campaign-cli-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
    cleanups.push(() => api.close());
    // Each call ends before it is answered: busy, no answer, busy (the carrier's status callback).
    const statuses = new Map([['+14155550001', 'busy'], ['+14155550002', 'no-answer'], ['+14155550003', 'busy']]);
    const push = api.calls.push.bind(api.calls);
    api.calls.push = (call: FakeTwilioCall) => {
      push(call);
      const callback = new URL(call.form.get('StatusCallback')!);
      const simulator = new TwilioSimulator({ serverUrl: callback.origin, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
      call.status = statuses.get(call.form.get('To')!)!;
      setTimeout(() => void simulator.statusCallback(call.sid, call.status, callback.search).catch(() => undefined), 200);
    };
    const csv = join(dir, 'contacts.csv');
    writeFileSync(csv, 'to,name,timeZone\n+14155550001,Ada,Europe/Rome\n+14155550002,"Bob, Jr.",\n\n+14155550003,Cy,America/New_York\n');
    const running = runCli(['campaign', '--csv', csv, '--agent', 'src/test-support/fixtures/campaign-agent.ts', '--from', '+14155550177', '--concurrency', '2', '--cps', '5', '--port', '0'], {
      FIXTURE_TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      FIXTURE_TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      FIXTURE_TWILIO_BASE_URL: api.url,
      FIXTURE_STORE_DIR: join(dir, 'db'),
      PATTER_CAMPAIGN_PROGRESS_MS: '200',
    });
    cleanups.push(() => {
      if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
    });
    expect(await running.exited).toEqual({ code: 0, signal: null });
    const output = running.output();
    expect(output).toMatch(/patter: campaign cmp_\S+ started: 3 contacts from /);
    expect(output).toMatch(/patter: campaign cmp_\S+ done: queued 0, dialing 0, in call 0, done 0, failed 3/);
    expect(output).toMatch(/patter: campaign cmp_\S+ done; closing the server/);
    expect(api.calls.items.map((c) => [c.form.get('To'), c.form.get('From')]).sort()).toEqual([
      ['+14155550001', '+14155550177'],
      ['+14155550002', '+14155550177'],
      ['+14155550003', '+14155550177'],
    ]);
    const db = await openPGliteClient(join(dir, 'db'));
    try {
      const rows = await db.query<{ to_number: string; variables: Record<string, string>; time_zone: string | null; outcome: string }>(
        'SELECT to_number, variables, time_zone, outcome FROM patter_campaign_contacts ORDER BY contact_index',
      );
      expect(rows).toEqual([
        { to_number: '+14155550001', variables: { name: 'Ada' }, time_zone: 'Europe/Rome', outcome: 'busy' },
        { to_number: '+14155550002', variables: { name: 'Bob, Jr.' }, time_zone: null, outcome: 'no-answer' },
        { to_number: '+14155550003', variables: { name: 'Cy' }, time_zone: 'America/New_York', outcome: 'busy' },
      ]);
      const [campaign] = await db.query<{ name: string; config: { concurrency: number } }>('SELECT name, config FROM patter_campaigns');
      expect(campaign).toMatchObject({ name: 'contacts.csv', config: { concurrency: 2 } });
    } finally {
      await db.close();
    }
  });

  it('a bad number in the CSV names its line; nothing is dialed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patter-campaign-cli-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
    cleanups.push(() => api.close());
    const csv = join(dir, 'contacts.csv');
    writeFileSync(csv, 'to,name\n+14155550001,Ada\n555-0102,Bob\n');
    const running = runCli(['campaign', 'src/test-support/fixtures/campaign-agent.ts', '--csv', csv, '--port', '0'], {
      FIXTURE_TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      FIXTURE_TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      FIXTURE_TWILIO_BASE_URL: api.url,
      FIXTURE_STORE_DIR: join(dir, 'db'),
    });
    expect(await running.exited).toEqual({ code: 2, signal: null });
    expect(running.output()).toContain('contacts.csv line 3 column to: expected an E.164 number');
    expect(api.calls.items).toHaveLength(0);
  });
});
