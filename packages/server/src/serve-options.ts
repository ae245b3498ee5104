import {
  ConfigError,
  type AgentOptions,
  type CallControl,
  type CallEndSummary,
  type CallInfo,
  type CallSessionEvents,
  type TurnMetrics,
} from '@patter/core';
import type { Agent } from './agent.js';
import type { CallStore } from '@patter/store';
import type { DashboardServeOptions, StoreServeOptions } from './dashboard/history-options.js';
import type { PostCallOptions } from './dashboard/post-call-delivery.js';
import type { AnalysisOptions } from './dashboard/post-call-analysis.js';
import { resolveDevPhoneOptions, type DevPhoneOptions } from './devphone/devphone-options.js';
import type { FleetServeOptions } from './campaigns/fleet-serve-options.js';

type Awaitable<T> = T | Promise<T>;

/** A recording the carrier finished, reported by its webhook. */
export interface RecordingEvent {
  readonly callId: string;
  readonly callRef?: string;
  readonly url: string;
  readonly durationSeconds?: number;
}

/** Options of `phone.serve()`. Callbacks may be async; a throwing callback is logged, the call goes on. */
export interface ServeOptions {
  /** The agent that answers inbound calls (from `phone.agent()`, or plain options validated here). */
  readonly agent: Agent | AgentOptions;
  /** TCP port. Default 8000; 0 picks a free port (read it from the handle). */
  readonly port?: number;
  /** Interface to bind. Default `0.0.0.0` (all interfaces, so it works in a container). */
  readonly host?: string;
  readonly onCallStart?: (call: CallInfo, control: CallControl) => Awaitable<void>;
  readonly onCallEnd?: (summary: CallEndSummary, control: CallControl | undefined) => Awaitable<void>;
  readonly onTranscript?: (entry: CallSessionEvents['transcript'], control: CallControl) => Awaitable<void>;
  readonly onMetrics?: (metrics: TurnMetrics, control: CallControl) => Awaitable<void>;
  /** Recordings the carrier reports (when recording is enabled on the carrier). */
  readonly onRecording?: (recording: RecordingEvent) => Awaitable<void>;
  /** Ask the carrier to record each call (needs a carrier with `startRecording`). Default false. */
  readonly recording?: boolean;
  /** Concurrent TCP connections per remote address. Default 1000 (carriers share few egress IPs). */
  readonly maxConnectionsPerIp?: number;
  /** Largest webhook body accepted; larger → 413. Default 256 KiB. */
  readonly maxBodyBytes?: number;
  /**
   * Hard limit on one media-stream WebSocket message: a larger one closes that stream (and ends
   * its call), before it is buffered. Default 1 MiB. Below it, the carrier transport logs and
   * drops frames over 64 KiB (and audio payloads over 16 KiB) and the call goes on.
   */
  readonly maxMessageBytes?: number;
  /** Calls in progress. Further calls are refused (webhooks see `acceptingCalls() === false`). Default 1000. */
  readonly maxCalls?: number;
  /** How long `close()` / SIGTERM lets calls finish before hanging up. Default 25 s. */
  readonly shutdownTimeoutMs?: number;
  /** Signals that trigger graceful shutdown. Default `['SIGTERM', 'SIGINT']`; `false` installs none. */
  readonly shutdownSignals?: readonly NodeJS.Signals[] | false;
  /**
   * Answer-time warmup for inbound calls: while the phone rings (webhook answered, stream not yet
   * open), wake the agent's providers and synthesize its first message, so the greeting plays on
   * the stream's first turn. Pipeline agents with a `firstMessage`; costs one TTS request per
   * ringing call (also for one the caller abandons). Never fails a call. Default true.
   */
  readonly warmup?: boolean;
  /** Lifetime of an inbound call's stream token. Default 60 s. */
  readonly streamTokenTtlMs?: number;
  /** Lifetime of an outbound call's stream token (it must outlive ringing and AMD). Default 10 min. */
  readonly outboundStreamTokenTtlMs?: number;
  /**
   * Serve the dev phone at `/phone`: call the agent from a browser, no carrier needed. Default on
   * unless `NODE_ENV` is `production`. It answers this machine only (loopback client, loopback
   * `Host`); `{ secret }` (or `PATTER_DEVPHONE_SECRET`) opens it to other devices that log in.
   */
  readonly devPhone?: boolean | DevPhoneOptions;
  /**
   * The call history: every call's record (timeline, per-turn latency, cost, recordings) written
   * after it ends, off the audio path. `true`: PGlite in `.patter/db`, or `DATABASE_URL` when set;
   * `{ url }` / `{ dataDir }` / `{ retentionDays, redact }`; or a `CallStore` from `@patter/store`.
   * Default on in development (`NODE_ENV` unset or `development`), off otherwise.
   */
  readonly store?: boolean | StoreServeOptions | CallStore;
  /**
   * The dashboard at `/dashboard` (live calls, history, call pages, charts). Default on with the
   * store. Open to this machine in development; anywhere else (and in production always) it
   * needs `{ secret }` or `PATTER_DASHBOARD_SECRET`.
   */
  readonly dashboard?: boolean | DashboardServeOptions;
  /**
   * Outbound campaigns (`phone.campaign()`, `phone.schedule()`), dialed by every server that shares
   * the store's database, under fleet-wide limits. Needs the store. `true` or `{ limits, slots, agents }`.
   */
  readonly fleet?: boolean | FleetServeOptions;
  /** POST each finished call's record here, HMAC-signed, retried from the store's durable outbox. */
  readonly postCall?: PostCallOptions;
  /**
   * After each call, run an LLM (default the agent's) once over the transcript: `{ prompt, schema }`.
   * The validated result is stored with the call, shown on its page and sent in `postCall`.
   */
  readonly analysis?: AnalysisOptions;
  /**
   * Zero-touch carrier setup: once listening, point the phone number's inbound webhook at
   * `webhookUrl` (Twilio: the number's VoiceUrl and VoiceMethod; Telnyx: the number's connection
   * and the Call Control application's webhook_event_url), changing only what is not already
   * right and logging each setting (old → new). A failure fails start, naming what could not be
   * configured. Nothing is restored on shutdown. Needs `webhookUrl`. Default false (nothing at
   * the carrier is touched). CLI: `--auto-configure`.
   */
  readonly autoConfigure?: boolean;
}

export type ResolvedServeOptions = Required<
  Pick<
    ServeOptions,
    | 'port'
    | 'host'
    | 'recording'
    | 'maxConnectionsPerIp'
    | 'maxBodyBytes'
    | 'maxMessageBytes'
    | 'maxCalls'
    | 'shutdownTimeoutMs'
    | 'shutdownSignals'
    | 'streamTokenTtlMs'
    | 'outboundStreamTokenTtlMs'
  >
> &
  ServeOptions & {
    /** Off, or on with its access options (the secret filled from `PATTER_DEVPHONE_SECRET`). */
    readonly devPhone: false | DevPhoneOptions;
  };

export const SERVE_DEFAULTS = {
  port: 8000,
  host: '0.0.0.0',
  recording: false,
  maxConnectionsPerIp: 1000,
  maxBodyBytes: 256 * 1024,
  maxMessageBytes: 1024 * 1024,
  maxCalls: 1000,
  shutdownTimeoutMs: 25_000,
  shutdownSignals: ['SIGTERM', 'SIGINT'] as readonly NodeJS.Signals[],
  streamTokenTtlMs: 60_000,
  outboundStreamTokenTtlMs: 600_000,
} as const;

const CALLBACKS = ['onCallStart', 'onCallEnd', 'onTranscript', 'onMetrics', 'onRecording'] as const;
const COUNTS = ['maxConnectionsPerIp', 'maxBodyBytes', 'maxMessageBytes', 'maxCalls'] as const;
const DURATIONS = ['shutdownTimeoutMs', 'streamTokenTtlMs', 'outboundStreamTokenTtlMs'] as const;

/** Fills defaults and throws `ConfigError` naming the first bad option. */
export function resolveServeOptions(options: ServeOptions): ResolvedServeOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigError('serve', 'expected an options object');
  const resolved = {
    ...SERVE_DEFAULTS,
    ...stripUndefined(options),
    devPhone: resolveDevPhoneOptions(options.devPhone ?? process.env.NODE_ENV !== 'production'),
  } as ResolvedServeOptions;
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65535) {
    throw new ConfigError('port', 'expected an integer from 0 to 65535');
  }
  if (typeof resolved.host !== 'string' || resolved.host === '') throw new ConfigError('host', 'expected a host name or address');
  for (const key of CALLBACKS) {
    if (options[key] !== undefined && typeof options[key] !== 'function') throw new ConfigError(key, 'expected a function');
  }
  for (const key of COUNTS) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < 1) throw new ConfigError(key, 'expected a positive integer');
  }
  for (const key of DURATIONS) {
    if (typeof resolved[key] !== 'number' || !(resolved[key] >= 0)) throw new ConfigError(key, 'expected milliseconds (>= 0)');
  }
  if (typeof resolved.recording !== 'boolean') throw new ConfigError('recording', 'expected a boolean');
  if (options.warmup !== undefined && typeof options.warmup !== 'boolean') throw new ConfigError('warmup', 'expected a boolean');
  if (options.autoConfigure !== undefined && typeof options.autoConfigure !== 'boolean') throw new ConfigError('autoConfigure', 'expected a boolean');
  if (resolved.shutdownSignals !== false && !Array.isArray(resolved.shutdownSignals)) {
    throw new ConfigError('shutdownSignals', 'expected an array of signal names, or false');
  }
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
