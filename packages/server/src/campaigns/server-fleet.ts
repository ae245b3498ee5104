import { ConfigError, PatterError, type Logger } from '@patter/core';
import { Fleet, NotDialedError, type CampaignProgress, type CampaignSummary, type Dialer, type DialRequest } from '@patter/fleet';
import type { CallHistory } from '../dashboard/call-history.js';
import { placeOutboundCall } from '../outbound-calls.js';
import type { ServerContext } from '../server-context.js';
import { campaignOutcome } from './call-outcome.js';
import { toFleetCampaign, type CampaignRequest, type ScheduleRequest } from './campaign-request.js';
import type { ResolvedFleetOptions } from './fleet-serve-options.js';

const RETRY_OPEN_MS = 5_000;
/** Calls awaiting their end report, at most (a call whose end never came is dropped, oldest first; the fleet's carrier check covers it). */
const MAX_TRACKED_CALLS = 10_000;

/**
 * The server's part of a fleet: a `Fleet` (pg-boss workers) on the call store's database, dialing
 * through the server like `phone.call()` does (the campaign's agent, the contact's variables, the
 * agent's voicemail policy), and told how each of its calls ended.
 */
export class ServerFleet {
  private context: ServerContext | undefined;
  private opening: Promise<Fleet> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** Carrier call ids this server dialed for a campaign, until their end is reported. */
  private readonly calls = new Set<string>();

  constructor(
    private readonly options: ResolvedFleetOptions,
    private readonly history: CallHistory,
    private readonly logger: Logger,
  ) {}

  /** Starts the workers in the background, once the server listens (the store opens first). */
  start(context: ServerContext): void {
    this.context = context;
    context.dashboard?.useCampaigns(this);
    this.fleet().catch(() => undefined);
  }

  /** The running fleet; a failed start (database unreachable) is retried in the background and on use. */
  fleet(): Promise<Fleet> {
    if (this.closed) return Promise.reject(new PatterError('the server is shutting down: no new campaigns'));
    if (this.opening === undefined) {
      this.opening = this.open().catch((err: unknown) => {
        this.opening = undefined;
        this.logger.warn({ err }, 'starting the fleet failed; retrying');
        if (!this.closed && this.retry === undefined) {
          this.retry = setTimeout(() => {
            this.retry = undefined;
            this.fleet().catch(() => undefined);
          }, RETRY_OPEN_MS).unref();
        }
        throw err;
      });
    }
    return this.opening;
  }

  async campaign(request: CampaignRequest): Promise<{ readonly campaignId: string }> {
    const context = this.requireContext();
    const campaign = toFleetCampaign(request, context.phoneNumber);
    if (campaign.agent !== undefined && !this.options.agents.has(campaign.agent)) {
      throw new ConfigError('agent', `no agent named "${campaign.agent}" in the serve option fleet.agents`);
    }
    return (await this.fleet()).campaign(campaign);
  }

  async schedule(options: ScheduleRequest): Promise<{ readonly scheduleId: string }> {
    const context = this.requireContext();
    if (typeof options !== 'object' || options === null) throw new ConfigError('schedule', 'expected an options object');
    const campaign = toFleetCampaign(options.campaign, context.phoneNumber);
    if (campaign.agent !== undefined && !this.options.agents.has(campaign.agent)) {
      throw new ConfigError('campaign.agent', `no agent named "${campaign.agent}" in the serve option fleet.agents`);
    }
    return (await this.fleet()).schedule({ ...options, campaign });
  }

  async progress(campaignId: string): Promise<CampaignProgress | undefined> {
    return (await this.fleet()).progress(campaignId);
  }

  async campaigns(limit: number): Promise<readonly CampaignSummary[]> {
    return (await this.fleet()).campaigns(limit);
  }

  /** A call ended (its session, or the carrier before the stream connected): tell the fleet if it is a campaign's. */
  callEnded(callId: string, reason: string, connected: boolean): void {
    if (!this.calls.delete(callId)) return;
    const outcome = campaignOutcome(reason, connected);
    void this.fleet()
      .then((fleet) => fleet.callEnded(callId, outcome))
      .catch((err: unknown) => this.logger.warn({ err, callId }, 'reporting a campaign call end failed'));
  }

  /** Stop taking campaign calls (SIGTERM): live calls are the server's drain; contacts stay queued for the others. */
  async drain(): Promise<void> {
    clearTimeout(this.retry);
    const opening = this.opening;
    if (opening !== undefined) await (await opening.catch(() => undefined))?.drain();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const opening = this.opening;
    if (opening !== undefined) await (await opening.catch(() => undefined))?.stop().catch((err: unknown) => this.logger.warn({ err }, 'stopping the fleet failed'));
  }

  private async open(): Promise<Fleet> {
    const store = await this.history.store();
    const { agents: _agents, jobSchema, ...rest } = this.options;
    const fleet = await Fleet.start({ ...rest, ...(jobSchema !== undefined && { schema: jobSchema }), client: store.client, dialer: this.dialer(), logger: this.logger });
    if (this.closed) {
      await fleet.stop();
      throw new PatterError('the server closed while the fleet was starting');
    }
    return fleet;
  }

  private dialer(): Dialer {
    const carrier = this.requireContext().carrier;
    const dial = async (request: DialRequest): Promise<{ readonly callId: string }> => {
      const context = this.requireContext();
      // Shutting down: the contact goes back to the queue for the fleet's other servers.
      if (!context.accepting) throw new NotDialedError('the server is shutting down: no new campaign calls');
      const agent = request.agent === undefined ? context.agent : this.options.agents.get(request.agent);
      if (agent === undefined) throw new ConfigError('agent', `no agent named "${request.agent}" in the serve option fleet.agents`);
      const placed = await placeOutboundCall(
        context,
        { to: request.to, agent, variables: request.variables, machineDetection: agent.voicemailMessage !== undefined, signal: request.signal },
        request.from,
      );
      if (this.calls.size >= MAX_TRACKED_CALLS) this.calls.delete(this.calls.values().next().value as string);
      this.calls.add(placed.callId);
      return { callId: placed.callId };
    };
    if (carrier.findCalls === undefined) return { dial };
    return { dial, findCalls: (query) => carrier.findCalls!(query) };
  }

  private requireContext(): ServerContext {
    if (this.context === undefined) throw new PatterError('campaigns need a running server: await phone.serve() first');
    return this.context;
  }
}
