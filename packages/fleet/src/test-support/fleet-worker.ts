/**
 * One fleet instance in its own process, for the multi-process test: a pg-boss worker on the
 * shared PostgreSQL, dialing through the fake Twilio API. With FLEET_DIE_AFTER_DIALS=n it
 * kills itself (SIGKILL, as `kill -9`) right after the carrier answered its n-th dial, before
 * the call id is recorded: the worst moment for exactly-once dialing.
 */
import { createConsoleLogger } from '@patter/core';
import { migrate, openPostgresClient } from '@patter/store';
import { Fleet } from '../fleet.js';
import { ACCOUNT } from './campaign-harness.js';
import { TwilioRestDialer } from './twilio-rest-dialer.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const logger = createConsoleLogger({ level: 'silent' });
const client = await openPostgresClient(env('FLEET_DATABASE_URL'), logger, 4);
await migrate(client);
const dialer = new TwilioRestDialer(env('FLEET_API_URL'), ACCOUNT, ACCOUNT, 'token');
const dieAfter = Number(process.env.FLEET_DIE_AFTER_DIALS ?? 0);
let dials = 0;
if (dieAfter > 0) {
  dialer.loseAnswerOf = () => {
    dials += 1;
    if (dials >= dieAfter) process.kill(process.pid, 'SIGKILL');
    return false;
  };
}
const fleet = await Fleet.start({
  client,
  dialer,
  workerId: env('FLEET_WORKER_ID'),
  schema: env('FLEET_BOSS_SCHEMA'),
  slots: Number(env('FLEET_SLOTS')),
  leaseMs: Number(env('FLEET_LEASE_MS')),
  tickMs: 500,
  holdMs: 5000,
  jobExpireSeconds: 12,
  callCheckMs: 5000,
  limits: JSON.parse(env('FLEET_LIMITS')) as Record<string, number>,
});
process.send?.('ready');
process.on('message', (message) => {
  if (message !== 'stop') return;
  void fleet.stop().then(() => client.close()).then(() => process.exit(0));
});
