import { createConsoleLogger, type AgentOptions, type CallEndSummary, type TurnMetrics } from '@patter/core';
import { FakeTwilioApi, TwilioSimulator } from '@patter/testing';
import { Twilio } from '@patter/twilio';
import { Patter } from '../patter.js';
import type { ServerHandle } from '../serve.js';

const ACCOUNT_SID = 'AC' + 'c3'.repeat(16);
const AUTH_TOKEN = 'twilio-auth-token-for-engine-tests';

/** A log line the server wrote (JSON lines, debug level and up). */
export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A transcript the server reported (`onTranscript`), with `performance.now()` at report time. */
export interface ReportedTranscript {
  readonly role: 'user' | 'assistant';
  readonly text: string;
  readonly isFinal: boolean;
  readonly at: number;
}

export interface EngineServer {
  readonly api: FakeTwilioApi;
  readonly simulator: TwilioSimulator;
  readonly ends: CallEndSummary[];
  /** Each turn's metrics (`onMetrics`), in order. */
  readonly metrics: TurnMetrics[];
  readonly transcripts: ReportedTranscript[];
  readonly logs: LogLine[];
  readonly handle: ServerHandle;
  close(): Promise<void>;
}

/** The real server with the real Twilio carrier (against its fake REST API) and an engine agent. */
export async function startEngineServer(agent: AgentOptions): Promise<EngineServer> {
  const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
  const logs: LogLine[] = [];
  const ends: CallEndSummary[] = [];
  const metrics: TurnMetrics[] = [];
  const transcripts: ReportedTranscript[] = [];
  const phone = new Patter({
    carrier: new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }),
    phoneNumber: '+14155550199',
    logger: createConsoleLogger({ level: 'debug', write: (line) => void logs.push(JSON.parse(line) as LogLine) }),
  });
  const handle = await phone.serve({
    agent: phone.agent(agent),
    port: 0,
    host: '127.0.0.1',
    shutdownSignals: false,
    onCallEnd: (summary) => void ends.push(summary),
    onMetrics: (turn) => void metrics.push(turn),
    onTranscript: (entry) => void transcripts.push({ ...entry, at: performance.now() }),
  });
  const simulator = new TwilioSimulator({ serverUrl: handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
  return {
    api,
    simulator,
    ends,
    metrics,
    transcripts,
    logs,
    handle,
    async close() {
      await handle.close({ timeoutMs: 0 });
      await api.close();
    },
  };
}

/** ms of audio the simulated carrier has played by `now`: each frame plays at real time, after the one before. */
export function playedByCarrier(frames: readonly { readonly at: number; readonly bytes: number }[], now = performance.now()): number {
  let playEnd = 0;
  let played = 0;
  for (const frame of frames) {
    const start = Math.max(playEnd, frame.at);
    const ms = frame.bytes / 8;
    played += Math.min(ms, Math.max(0, now - start));
    playEnd = start + ms;
  }
  return played;
}

/** When (`performance.now()`) the simulated carrier finishes playing `frames`, each at real time after the one before. */
export function playoutEnd(frames: readonly { readonly at: number; readonly bytes: number }[]): number {
  let end = 0;
  for (const frame of frames) end = Math.max(end, frame.at) + frame.bytes / 8;
  return end;
}

/** Whether a tool call failed or something timed out (a hang-up that waited on a tool). */
export function toolTimedOut(logs: readonly LogLine[]): boolean {
  return logs.some((l) => l.msg === 'tool call failed' || JSON.stringify(l).includes('timed out'));
}
