import { migrate, openPGliteClient, type SqlClient } from '@patter/store';
import { FakeTwilioApi, type FakeTwilioCall } from '@patter/testing';
import { Fleet, type FleetOptions } from '../fleet.js';
import { TwilioRestDialer } from './twilio-rest-dialer.js';

export const ACCOUNT = 'AC00000000000000000000000000000001';

/** Live calls seen by the fake carrier, with the maximum at any instant per campaign number and in total. */
export class CallLedger {
  live = 0;
  maxLive = 0;
  readonly livePerFrom = new Map<string, number>();
  readonly maxPerFrom = new Map<string, number>();

  started(from: string): void {
    this.live += 1;
    this.maxLive = Math.max(this.maxLive, this.live);
    const n = (this.livePerFrom.get(from) ?? 0) + 1;
    this.livePerFrom.set(from, n);
    this.maxPerFrom.set(from, Math.max(this.maxPerFrom.get(from) ?? 0, n));
  }

  ended(from: string): void {
    this.live -= 1;
    this.livePerFrom.set(from, (this.livePerFrom.get(from) ?? 1) - 1);
  }
}

export interface Harness {
  readonly api: FakeTwilioApi;
  readonly client: SqlClient;
  readonly dialer: TwilioRestDialer;
  readonly ledger: CallLedger;
  /** How the next calls end, by number dialed (default `completed`). */
  readonly endings: Map<string, string[]>;
  fleet?: Fleet;
  startFleet(options?: Partial<FleetOptions>): Promise<Fleet>;
  close(): Promise<void>;
}

/**
 * PGlite + the fake Twilio API; every created call "rings" and ends after `callMs`, with the
 * status `endings` names for its number, reported to the fleet as the status callback would.
 */
export async function campaignHarness(callMs: number): Promise<Harness> {
  const api = await new FakeTwilioApi(ACCOUNT, ACCOUNT, 'token').start();
  const client = await openPGliteClient(undefined);
  await migrate(client);
  const dialer = new TwilioRestDialer(api.url, ACCOUNT, ACCOUNT, 'token');
  const ledger = new CallLedger();
  const endings = new Map<string, string[]>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const harness: Harness = {
    api,
    client,
    dialer,
    ledger,
    endings,
    async startFleet(options = {}) {
      harness.fleet = await Fleet.start({ client, dialer, tickMs: 200, ...options });
      return harness.fleet;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await harness.fleet?.stop();
      await api.close();
      await client.close();
    },
  };
  const push = api.calls.push.bind(api.calls);
  api.calls.push = (call: FakeTwilioCall) => {
    push(call);
    ring(call);
  };
  function ring(call: FakeTwilioCall): void {
    const from = call.form.get('From') ?? '';
    const to = call.form.get('To') ?? '';
    ledger.started(from);
    const status = endings.get(to)?.shift() ?? 'completed';
    const timer = setTimeout(() => {
      timers.delete(timer);
      call.status = status === 'voicemail' ? 'completed' : status;
      if (status === 'voicemail') call.answeredBy = 'machine_end_beep';
      ledger.ended(from);
      void harness.fleet?.callEnded(call.sid, status === 'voicemail' ? 'voicemail' : status === 'completed' ? 'completed' : (status as 'busy'));
    }, callMs);
    timers.add(timer);
  }
  return harness;
}
