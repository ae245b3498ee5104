import {
  ConfigError,
  createConsoleLogger,
  PatterError,
  type AgentOptions,
  type CallEndSummary,
  type Carrier,
  type Logger,
} from '@patter/core';
import { createCallSession, rejectUnknownOptions } from '@patter/core/plugin';
import { createAgent, isAgent, type Agent } from './agent.js';
import { checkWebhookUrl, isLoopbackHostname } from './check-webhook-url.js';
import { checkAutoConfigure, configureCarrierWebhooks } from './configure-carrier-webhooks.js';
import { placeOutboundCall, type CallOptions, type OutboundCall } from './outbound-calls.js';
import { resolveServeOptions, type ServeOptions } from './serve-options.js';
import { startServer, type ServerHandle } from './serve.js';
import { createPatterHandler, type PatterHandler } from './patter-handler.js';
import type { CallSessionFactory, ServerContext } from './server-context.js';
import { StreamToken } from './stream-token.js';
import { runTestMode, type TestModeOptions } from './test-mode/run-test-mode.js';
import { DevPhoneCarrier } from './devphone/devphone-carrier.js';
import { devPhoneMode } from './devphone/devphone-mode.js';
import type { CampaignProgress } from '@patter/fleet';
import type { CampaignRequest, ScheduleRequest } from './campaigns/campaign-request.js';
import type { ServerFleet } from './campaigns/server-fleet.js';

/** Options of `new Patter()`. */
export interface PatterOptions {
  /**
   * The telephony carrier: `new Twilio()` from `@patter/twilio`, `new Telnyx()` from `@patter/telnyx`.
   * Leave it out to try an agent from the browser only (the dev phone at `/phone`).
   */
  readonly carrier?: Carrier;
  /** Your number at the carrier, E.164 (`+15550001234`): the caller id of outbound calls. Required with a carrier. */
  readonly phoneNumber?: string;
  /**
   * Public https URL the carrier reaches this server at (`https://abc.ngrok.app`). Required with
   * Twilio or Telnyx, unless the server listens on loopback only (`host: '127.0.0.1'`, local tests):
   * then the local URL. `http://` only for localhost.
   */
  readonly webhookUrl?: string;
  readonly logger?: Logger;
  /** Secret that signs stream tokens; share it across instances behind one load balancer. Default: random. */
  readonly streamSecret?: string;
  /**
   * Advanced: builds each call's session. Default: `createCallSession` from `@patter/core`.
   * Tests and custom runtimes replace it.
   */
  readonly createSession?: CallSessionFactory;
}

const E164 = /^\+[1-9]\d{6,14}$/;
/** Every option of `PatterOptions`; the type makes the compiler refuse a list that misses one. */
const PATTER_OPTIONS: Record<keyof PatterOptions, true> & Record<string, true> = {
  carrier: true,
  phoneNumber: true,
  webhookUrl: true,
  logger: true,
  streamSecret: true,
  createSession: true,
};
const PATTER_OPTION_KEYS = new Set(Object.keys(PATTER_OPTIONS));

/**
 * The Patter app: a carrier and a number, agents, the server that answers calls, and outbound calls.
 *
 * @example
 * const phone = new Patter({ carrier: new Twilio(), phoneNumber: '+15550001234', webhookUrl: 'https://abc.ngrok.app' });
 * const agent = phone.agent({ engine: new OpenAIRealtime(), systemPrompt: 'You are the receptionist of Acme.' });
 * await phone.serve({ agent, port: 8000 });
 */
export class Patter {
  readonly carrier: Carrier | undefined;
  readonly phoneNumber: string;
  readonly webhookUrl: string | undefined;
  readonly logger: Logger;
  private readonly tokens: StreamToken;
  private readonly createSession: CallSessionFactory;
  private context: ServerContext | undefined;
  private serving = false;

  constructor(options: PatterOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'expected an options object');
    rejectUnknownOptions(options, PATTER_OPTION_KEYS, 'Patter option');
    const { carrier } = options;
    if (
      carrier !== undefined &&
      (typeof carrier !== 'object' || carrier === null || typeof carrier.acceptStream !== 'function' || typeof carrier.routes !== 'function')
    ) {
      throw new ConfigError('carrier', 'expected a Carrier, e.g. new Twilio() from @patter/twilio');
    }
    if (carrier !== undefined && (typeof options.phoneNumber !== 'string' || !E164.test(options.phoneNumber))) {
      throw new ConfigError('phoneNumber', 'expected an E.164 number like +15550001234');
    }
    if (options.createSession !== undefined && typeof options.createSession !== 'function') {
      throw new ConfigError('createSession', 'expected a function');
    }
    if (options.streamSecret !== undefined && (typeof options.streamSecret !== 'string' || options.streamSecret.length < 16)) {
      throw new ConfigError('streamSecret', 'expected a string of at least 16 characters');
    }
    this.carrier = carrier;
    this.phoneNumber = options.phoneNumber ?? '';
    this.webhookUrl = options.webhookUrl === undefined ? undefined : checkWebhookUrl(options.webhookUrl);
    this.logger = options.logger ?? createConsoleLogger({ bindings: { name: 'patter' } });
    this.tokens = new StreamToken(options.streamSecret ?? process.env.PATTER_STREAM_SECRET);
    this.createSession = options.createSession ?? createCallSession;
  }

  /** Validates an agent's options (errors name the option) and returns the agent to serve or call with. */
  agent(options: AgentOptions): Agent {
    return createAgent(options, this.logger);
  }

  /** Starts the HTTP + WebSocket server that answers calls with `options.agent`. */
  async serve(options: ServeOptions): Promise<ServerHandle> {
    if (this.serving) throw new ConfigError('serve', 'this Patter is already serving; create another Patter for a second server');
    const resolved = resolveServeOptions(options);
    if (resolved.agent === undefined) throw new ConfigError('agent', 'required: the agent that answers calls');
    const agent = isAgent(resolved.agent) ? resolved.agent : createAgent(resolved.agent, this.logger);
    if (!this.carrier && !resolved.devPhone) {
      throw new ConfigError(
        'devPhone',
        'without a carrier the dev phone is the only way in, and it is off (NODE_ENV=production or devPhone: false): pass devPhone: true, or a carrier',
      );
    }
    if (this.carrier?.needsPublicUrl === true && this.webhookUrl === undefined && !isLoopbackHostname(resolved.host)) {
      throw new ConfigError(
        'webhookUrl',
        `required with ${this.carrier.key}: the public https URL it reaches this server at (e.g. new Patter({ webhookUrl: 'https://abc.ngrok.app' })); ` +
          `without it the carrier would be told http://127.0.0.1. Leave it out only when serving on host 127.0.0.1 for local tests.`,
      );
    }
    if (resolved.autoConfigure === true) checkAutoConfigure(this.carrier, this.webhookUrl);
    this.serving = true;
    try {
      // Without a carrier the dev phone is the carrier: calls come only from the browser.
      const carrier = this.carrier ?? new DevPhoneCarrier(devPhoneMode(agent), resolved.devPhone || {});
      const { handle, context } = await startServer({
        carrier,
        options: this.carrier ? resolved : { ...resolved, devPhone: false },
        phoneNumber: this.phoneNumber,
        webhookUrl: this.webhookUrl,
        logger: this.logger,
        agent,
        tokens: this.tokens,
        createSession: this.createSession,
      });
      this.context = context;
      if (resolved.autoConfigure === true && this.carrier) {
        // Once listening, so the number points at a server that answers; a failure closes it again.
        const target = { publicUrl: context.publicUrl, phoneNumber: this.phoneNumber };
        const webhookChanges = await configureCarrierWebhooks(this.carrier, target, this.logger).catch(async (error: unknown) => {
          this.context = undefined;
          await handle.close({ timeoutMs: 0 });
          throw error;
        });
        return Object.assign(handle, { webhookChanges });
      }
      return handle;
    } catch (err) {
      this.serving = false;
      throw err;
    }
  }

  /**
   * Patter's webhook routes and media-stream upgrades for the app's own HTTP server (Express,
   * Fastify, node:http) instead of a second port: see {@link PatterHandler}. Needs a carrier and
   * `webhookUrl` (the app's public URL); the dev phone is not mounted, and shutdown signals are the
   * app's (call `close()` from them).
   */
  handler(options: Omit<ServeOptions, 'port' | 'host' | 'devPhone' | 'shutdownSignals'>): PatterHandler {
    if (this.serving) throw new ConfigError('serve', 'this Patter is already serving; create another Patter for a second server');
    if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'expected an options object');
    if (options.autoConfigure === true) throw new ConfigError('autoConfigure', 'works with phone.serve() only; with phone.handler() set the webhook at the carrier');
    const resolved = resolveServeOptions({ ...options, devPhone: false, shutdownSignals: false });
    if (resolved.agent === undefined) throw new ConfigError('agent', 'required: the agent that answers calls');
    if (!this.carrier) throw new ConfigError('carrier', 'phone.handler() needs a carrier (new Patter({ carrier: new Twilio(), ... }))');
    if (this.webhookUrl === undefined) {
      throw new ConfigError('webhookUrl', "required with phone.handler(): the public URL the carrier reaches the app's server at");
    }
    const agent = isAgent(resolved.agent) ? resolved.agent : createAgent(resolved.agent, this.logger);
    const { handler, context } = createPatterHandler({
      carrier: this.carrier,
      options: resolved,
      phoneNumber: this.phoneNumber,
      webhookUrl: this.webhookUrl,
      logger: this.logger,
      agent,
      tokens: this.tokens,
      createSession: this.createSession,
    });
    this.serving = true;
    this.context = context;
    return handler;
  }

  /**
   * Test mode: a terminal conversation with the agent (text in, text out; no carrier, STT or
   * TTS) running the same conversation logic as a call. Commands `/quit`, `/hangup`,
   * `/transfer <number>`, `/history`; tool calls are shown as they happen.
   */
  test(options: Omit<TestModeOptions, 'agent' | 'logger'> & { readonly agent: Agent | AgentOptions }): Promise<CallEndSummary> {
    const agent = isAgent(options.agent) ? options.agent : createAgent(options.agent, this.logger);
    return runTestMode({ ...options, agent, logger: this.logger });
  }

  /** Places an outbound call answered by `options.agent` (default: the served one) with its own variables. */
  async call(options: CallOptions): Promise<OutboundCall> {
    if (!this.context) throw new PatterError('phone.call() needs a running server: await phone.serve() first');
    return placeOutboundCall(this.context, options);
  }

  /**
   * Starts an outbound campaign: each contact is called by the campaign's agent (`agent` names one
   * of the serve option `fleet.agents`; default the served agent) with the contact's variables,
   * like `phone.call()`, by whichever server of the fleet has room under the limits. Busy, no
   * answer and voicemail are retried as `retry` says. Needs `serve({ fleet })`.
   */
  async campaign(options: CampaignRequest): Promise<{ readonly campaignId: string }> {
    return this.requireFleet('phone.campaign()').campaign(options);
  }

  /** A campaign's state and each contact's (`queued`, `dialing`, `in_call`, `done`, `failed`); undefined for an unknown id. */
  async campaignProgress(campaignId: string): Promise<CampaignProgress | undefined> {
    return this.requireFleet('phone.campaignProgress()').progress(campaignId);
  }

  /** A recurring campaign: `options.campaign` starts at each occurrence of `options.cron` (in `timeZone`). */
  async schedule(options: ScheduleRequest): Promise<{ readonly scheduleId: string }> {
    return this.requireFleet('phone.schedule()').schedule(options);
  }

  private requireFleet(method: string): ServerFleet {
    if (!this.context) throw new PatterError(`${method} needs a running server: await phone.serve({ fleet: true, ... }) first`);
    if (!this.context.fleet) throw new ConfigError('fleet', `${method} needs campaigns on: serve({ fleet: true, store: true, ... })`);
    return this.context.fleet;
  }
}
