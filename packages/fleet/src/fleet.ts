import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { ConfigError, ProviderError, silentLogger, type Logger } from '@patter/core';
import type { SqlClient } from '@patter/store';
import PgBoss from 'pg-boss';
import { validateCampaign, type CampaignOptions } from './campaign-options.js';
import { CampaignStore, type CampaignProgress, type CampaignSummary, type StaleAttempt } from './campaign-store.js';
import { createSchedule, startDueSchedules, type ScheduleOptions } from './campaign-schedule.js';
import { claimAttempt } from './claim-attempt.js';
import { systemClock, type Clock } from './clock.js';
import { outcomeOfStatus, type CallOutcome, type Dialer } from './dialer.js';
import { resolveLimits, type FleetLimits, type ResolvedLimits } from './fleet-limits.js';
import { NotDialedError } from './not-dialed-error.js';
import { pgBossDb } from './pg-boss-db.js';

export interface FleetOptions {
  /** The call store's database (PGlite or PostgreSQL), migrated. */
  readonly client: SqlClient;
  readonly dialer: Dialer;
  readonly limits?: FleetLimits;
  /** Dial jobs this instance works on at once. Default 10. */
  readonly slots?: number;
  /** This instance's name in claims. Default a random id. */
  readonly workerId?: string;
  /** How long a claimed attempt may stay `dialing` before others reconcile it. Default 30 s. */
  readonly leaseMs?: number;
  /** How long a live campaign call goes without news of its end before the carrier is asked. Default 60 s. */
  readonly callCheckMs?: number;
  /** How long a job waits for room under the limits before it gives its slot back. Default 10 s. */
  readonly holdMs?: number;
  /** How often due attempts are queued and stale ones reconciled. Default 1 s. */
  readonly tickMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** A dial job held longer than this (its worker died) is retried by pg-boss. Default 60 s. */
  readonly jobExpireSeconds?: number;
  /** pg-boss schema. Default `pgboss`. */
  readonly schema?: string;
  /**
   * With a dialer that cannot list calls (no `findCalls`): how long a campaign call may go without
   * a reported end before it counts as failed (it frees its place under the limits). Default 1 h.
   */
  readonly maxCallMs?: number;
}

const QUEUE = 'patter-dial';
/**
 * Servers starting together on an empty database race to create pg-boss's schema: its advisory
 * lock serializes them, but the one that waited may still miss the other's schema in its catalog
 * cache and fail with a unique violation on `pg_namespace` (not the "already exists" pg-boss
 * tolerates). Such a start is tried again with a fresh instance (a failed pg-boss never restarts).
 */
const CREATE_RACE = /duplicate key value violates unique constraint "pg_(namespace|type)_|already exists/;
/** PostgreSQL's deadlock_detected: creating the dial queue's partition together, one server is aborted. */
const DEADLOCK = '40P01';
const isStartRace = (error: unknown): boolean =>
  (error as { code?: unknown })?.code === DEADLOCK || CREATE_RACE.test(String((error as Error)?.message));
const START_ATTEMPTS = 4;
/** The lease a reconciler takes on a stale attempt: long enough to ask the carrier. */
const reconcileLease = (leaseMs: number, checkMs: number) => Math.min(leaseMs, checkMs);
const POLL_MS = 250;
const EARLY_ENDS_MAX = 1000;

/**
 * One server's part of the fleet: a pg-boss worker on the shared database. Campaign contacts
 * are attempt rows; a due attempt gets a pg-boss job; whichever instance takes the job claims
 * the attempt under the fleet-wide limits (`claim-attempt.ts`), dials, and records the call id.
 * An attempt whose worker died mid-dial is reconciled against the carrier before any redial.
 */
export class Fleet {
  private readonly store: CampaignStore;
  private readonly limits: ResolvedLimits;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly stopping = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private ticker: ReturnType<typeof setInterval> | undefined;
  private ticking = false;
  /** Ends reported for call ids not (yet) recorded, oldest first. */
  private readonly earlyEnds = new Map<string, CallOutcome>();
  readonly workerId: string;

  private constructor(private readonly options: FleetOptions, private readonly boss: PgBoss) {
    this.store = new CampaignStore(options.client);
    this.limits = resolveLimits(options.limits);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.workerId = options.workerId ?? `w_${randomUUID().slice(0, 8)}`;
    // Every job slot waits on this signal.
    setMaxListeners(0, this.stopping.signal);
  }

  /** Starts pg-boss on `client` and, unless `work: false`, this instance's dial workers. */
  static async start(options: FleetOptions & { readonly work?: boolean }): Promise<Fleet> {
    const expire = options.jobExpireSeconds ?? 60;
    const boss = await startBoss(options, expire);
    await createDialQueue(boss, expire, options.logger ?? silentLogger);
    const fleet = new Fleet(options, boss);
    if (options.work !== false) await fleet.startWorking();
    return fleet;
  }

  private async startWorking(): Promise<void> {
    for (let i = 0; i < (this.options.slots ?? 10); i += 1) {
      await this.boss.work<{ attemptId: string }>(QUEUE, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) => {
        if (job !== undefined) await this.track(this.runAttempt(job.data.attemptId));
      });
    }
    this.ticker = setInterval(() => void this.tick(), this.options.tickMs ?? 1000);
    this.ticker.unref();
    await this.tick();
  }

  /** Stores a campaign; its contacts are dialed by every working instance of the fleet. */
  async campaign(options: CampaignOptions): Promise<{ readonly campaignId: string }> {
    validateCampaign(options);
    const campaignId = await this.store.create(options, this.clock.now());
    await this.tick();
    return { campaignId };
  }

  /** Stores a recurring campaign; at each occurrence one instance of the fleet starts it. */
  async schedule(options: ScheduleOptions): Promise<{ readonly scheduleId: string }> {
    const scheduleId = await createSchedule(this.options.client, options, this.clock.now());
    return { scheduleId };
  }

  progress(campaignId: string): Promise<CampaignProgress | undefined> {
    return this.store.progress(campaignId);
  }

  /** The newest campaigns (default 50), each with its contacts counted by state. */
  campaigns(limit = 50): Promise<CampaignSummary[]> {
    return this.store.list(limit);
  }

  /**
   * Report how a call ended (from the carrier's status callback or the call session). An end that
   * arrives before the dialing worker recorded the call id is kept a while and applied when it
   * does (same process); elsewhere the reconciler asks the carrier after `callCheckMs`.
   */
  async callEnded(callId: string, outcome: CallOutcome): Promise<void> {
    if (await this.store.endCall(callId, outcome, this.clock.now())) {
      await this.tick();
      return;
    }
    if (this.earlyEnds.size >= EARLY_ENDS_MAX) this.earlyEnds.delete(this.earlyEnds.keys().next().value as string);
    this.earlyEnds.set(callId, outcome);
  }

  /** Queues due attempts as jobs and reconciles stale ones; runs every `tickMs` on each instance. */
  async tick(): Promise<void> {
    if (this.ticking || this.stopping.signal.aborted) return;
    this.ticking = true;
    try {
      const now = this.clock.now();
      await this.options.client.transaction((tx) => startDueSchedules(tx, now, (inner, campaign) => this.store.createIn(inner, campaign, now)));
      await this.options.client.transaction(async (tx) => {
        const due = await this.store.takeDue(tx, now, 500, 3 * 1000 * (this.options.jobExpireSeconds ?? 60));
        if (due.length > 0) await this.boss.insert(due.map((attemptId) => ({ name: QUEUE, data: { attemptId } })), { db: pgBossDb(tx) });
      });
      await this.reconcile(now);
    } catch (error) {
      this.logger.warn({ err: error }, 'fleet tick failed');
    } finally {
      this.ticking = false;
    }
  }

  /** Stops taking jobs; dials already started finish. Calls in progress are the server's to drain. */
  async drain(): Promise<void> {
    this.stopping.abort();
    if (this.ticker !== undefined) clearInterval(this.ticker);
    await this.boss.offWork(QUEUE);
    await Promise.allSettled([...this.inFlight]);
  }

  async stop(): Promise<void> {
    await this.drain();
    await this.boss.stop({ graceful: true, close: false, wait: true, timeout: 5000 });
  }

  private async track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    try {
      await work;
    } finally {
      this.inFlight.delete(work);
    }
  }

  private async runAttempt(attemptId: string): Promise<void> {
    const holdUntil = this.clock.now() + (this.options.holdMs ?? 10_000);
    const leaseMs = this.options.leaseMs ?? 30_000;
    for (;;) {
      const now = this.clock.now();
      const claim = await this.options.client.transaction((tx) =>
        claimAttempt(tx, { attemptId, worker: this.workerId, now, limits: this.limits, leaseMs, horizonMs: POLL_MS * 4 }),
      );
      if (claim.kind === 'gone') return;
      if (claim.kind === 'closed') return this.store.defer(attemptId, claim.openAt);
      if (claim.kind === 'busy') {
        if (now >= holdUntil || this.stopping.signal.aborted) return this.store.defer(attemptId, now);
        // Every waiting job polls the one limits lock: wait for the known slot, else a jittered while.
        const wait = claim.retryAt !== undefined ? claim.retryAt - now : POLL_MS * (1 + Math.random() * 2);
        await this.clock.sleep(Math.min(Math.max(wait, POLL_MS / 2), holdUntil - now + 1), this.stopping.signal);
        continue;
      }
      await this.clock.sleep(claim.dialAt - this.clock.now());
      try {
        const { callId } = await this.options.dialer.dial({ attemptId, campaignId: claim.campaignId, to: claim.to, from: claim.from, variables: claim.variables, ...(claim.agent !== undefined && { agent: claim.agent }), signal: AbortSignal.timeout(15_000) });
        await this.store.markInCall(attemptId, this.workerId, callId, this.clock.now() + (this.options.callCheckMs ?? 60_000));
        const early = this.earlyEnds.get(callId);
        if (early !== undefined) {
          this.earlyEnds.delete(callId);
          await this.store.endCall(callId, early, this.clock.now());
        }
      } catch (error) {
        if (error instanceof NotDialedError) {
          await this.store.requeue(attemptId, this.workerId, this.clock.now() + POLL_MS * 4);
          return;
        }
        // A ConfigError (e.g. an agent this server does not have) is thrown before the carrier is called.
        const refused =
          error instanceof ConfigError ||
          (error instanceof ProviderError && error.status !== undefined && error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429);
        if (refused) await this.store.failDial(attemptId, this.workerId, this.clock.now());
        else await this.store.expireLease(attemptId, this.workerId, this.clock.now());
        this.logger.warn({ err: error, refused }, 'campaign dial failed');
      }
      return;
    }
  }

  /**
   * Attempts whose lease ran out. Dialing (the worker died mid-dial): the call found at the
   * carrier -> in_call (or ended); none -> queued again. In a call with no news: ended if the
   * carrier says so, else checked again later.
   */
  private async reconcile(now: number): Promise<void> {
    const leaseMs = this.options.leaseMs ?? 30_000;
    const checkMs = this.options.callCheckMs ?? 60_000;
    for (const stale of await this.store.takeStale(this.workerId, now, reconcileLease(leaseMs, checkMs), 20)) {
      const findCalls = this.options.dialer.findCalls?.bind(this.options.dialer);
      if (findCalls === undefined) {
        await this.reconcileBlind(stale, now);
        continue;
      }
      const calls = await findCalls({ to: stale.to, from: stale.from, since: stale.dialAt - 5000, signal: AbortSignal.timeout(15_000) });
      const call = stale.callId === null ? calls[0] : calls.find((found) => found.callId === stale.callId);
      if (call === undefined && stale.state === 'dialing') {
        await this.store.requeue(stale.attemptId, this.workerId, now);
        continue;
      }
      if (call === undefined) continue;
      if (stale.state === 'dialing') await this.store.markInCall(stale.attemptId, this.workerId, call.callId, now + checkMs);
      const outcome = outcomeOfStatus(call.status, call.answeredBy);
      if (outcome !== undefined) await this.store.endCall(call.callId, outcome, now);
    }
  }

  /**
   * A stale attempt when the carrier cannot be asked: a dial whose result was lost may have
   * created a call, so it is failed (`dial-unconfirmed`), never redialed; a call with no reported
   * end counts as failed after `maxCallMs`.
   */
  private async reconcileBlind(stale: StaleAttempt, now: number): Promise<void> {
    if (stale.state === 'dialing') {
      this.logger.warn({ attemptId: stale.attemptId }, 'campaign dial result lost and the carrier cannot list calls: attempt failed, not redialed');
      await this.store.failDial(stale.attemptId, this.workerId, now, 'dial-unconfirmed');
      return;
    }
    if (stale.callId !== null && now - stale.dialAt >= (this.options.maxCallMs ?? 3_600_000)) {
      this.logger.warn({ attemptId: stale.attemptId }, 'campaign call end never reported: counted failed');
      await this.store.endCall(stale.callId, 'failed', now);
    }
  }
}

async function startBoss(options: FleetOptions, expire: number): Promise<PgBoss> {
  for (let attempt = 1; ; attempt++) {
    const boss = new PgBoss({
      db: pgBossDb(options.client),
      schema: options.schema ?? 'pgboss',
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: Math.max(1, Math.floor(expire / 4)),
    });
    boss.on('error', () => undefined);
    try {
      await boss.start();
      return boss;
    } catch (error) {
      if (attempt >= START_ATTEMPTS || !isStartRace(error)) throw error;
      (options.logger ?? silentLogger).debug({ attempt }, 'fleet: another server was creating the job schema; starting again');
      await boss.stop({ graceful: false, wait: false }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/**
 * The dial queue, created by every server at start (idempotent). Servers creating it together
 * take pg-boss's locks in different orders and PostgreSQL aborts one with a deadlock: that one
 * tries again (the queue is usually there by then).
 */
async function createDialQueue(boss: PgBoss, expire: number, logger: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await boss.createQueue(QUEUE, { name: QUEUE, retryLimit: 1000, retryDelay: 1, expireInSeconds: expire });
      return;
    } catch (error) {
      if (attempt >= START_ATTEMPTS || !isStartRace(error)) throw error;
      logger.debug({ attempt }, 'fleet: another server was creating the dial queue; trying again');
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
