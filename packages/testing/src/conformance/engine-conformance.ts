import {
  MULAW_8K,
  type Engine,
  type EngineConnectOptions,
  type EngineEvent,
  type EngineSession,
  type ToolCallRequest,
} from '@patter/core';
import { bytesPerSample } from '@patter/core/plugin';
import { concatBytes } from '../audio/pcm-bytes.js';
import { assert, assertBytesEqual, assertEqual, distinctAudio, framesOf, tick, waitUntil, withTimeout } from './check-helpers.js';
import type { ConformanceCheck, ConformanceHooks } from './conformance-check.js';
import { CONFORMANCE_TOOLS } from './llm-conformance.js';

/** One vendor connection the plugin's fake accepted, seen through the harness. */
export interface EngineConformanceConnection {
  /** Caller audio received so far, decoded from the vendor framing into the session's `inputFormat`. */
  audio(): Uint8Array;
  /** Make the vendor send agent audio (bytes in the session's `outputFormat`) on this connection. */
  sendAudio(audio: Uint8Array): Promise<void>;
  /** True once the connection is closed. */
  isClosed(): boolean;
  /** Make the vendor ask for a tool call (required when the harness sets `toolCalls`). */
  requestToolCall?(call: ToolCallRequest): Promise<void>;
  /** Tool results the vendor received, in order (required when the harness sets `toolCalls`). */
  toolResults?(): ReadonlyArray<{ readonly callId: string; readonly output: string }>;
}

export interface EngineConformanceHarness extends ConformanceHooks {
  /** Suite title prefix, e.g. `'OpenAIRealtime'`. */
  readonly name?: string;
  /** A fresh engine pointed at the plugin's loopback fake. */
  createEngine(): Engine;
  /** Merged over the defaults (instructions, no tools, μ-law 8 kHz carrier). */
  readonly connectOptions?: Partial<EngineConnectOptions>;
  /** Every connection the fake accepted so far, oldest first. */
  connections(): readonly EngineConformanceConnection[];
  /** Run the tool-call round-trip check (the connections implement `requestToolCall` / `toolResults`). */
  readonly toolCalls?: boolean;
  /** How long each wait may take (default 5000 ms). */
  readonly timeoutMs?: number;
}

interface EventLog {
  readonly events: EngineEvent[];
  ended: boolean;
  readonly done: Promise<void>;
}

function record(session: EngineSession): EventLog {
  const log = { events: [] as EngineEvent[], ended: false, done: Promise.resolve() };
  log.done = (async () => {
    try {
      for await (const event of session.events()) log.events.push(event);
    } catch {
      // A failing events() ends the log too; the checks look at what arrived.
    } finally {
      log.ended = true;
    }
  })();
  return log;
}

const audioOut = (log: EventLog): Uint8Array[] =>
  log.events.flatMap((e) => (e.type === 'audio' ? [e.data] : []));

/** The Engine contract's checks, for `runConformanceChecks` or `describeEngineConformance` (`@patter/testing/vitest`). */
export function engineConformanceChecks(harness: EngineConformanceHarness): ConformanceCheck[] {
  const timeout = harness.timeoutMs ?? 5_000;
  const options = (extra: Partial<EngineConnectOptions> = {}): EngineConnectOptions => ({
    instructions: 'You are a conformance test.',
    tools: [],
    carrierFormat: MULAW_8K,
    ...harness.connectOptions,
    ...extra,
  });

  async function open(engine: Engine, extra?: Partial<EngineConnectOptions>) {
    const base = harness.connections().length;
    const session = await withTimeout(engine.connect(options(extra)), timeout, 'connect()');
    const log = record(session);
    return { session, log, base };
  }

  async function sendIn(session: EngineSession, audio: Uint8Array): Promise<void> {
    let sent = 0;
    for (const frame of framesOf(audio, session.inputFormat)) {
      session.sendAudio(frame);
      if (++sent % 5 === 0) await tick(1);
    }
  }

  async function expectIn(conn: EngineConformanceConnection, audio: Uint8Array, label: string): Promise<void> {
    await waitUntil(() => conn.audio().byteLength >= audio.byteLength, timeout, `${label}: the vendor receives all caller audio`);
    await tick(20);
    assertBytesEqual(conn.audio(), audio, `${label}: caller audio at the vendor`);
  }

  async function expectOut(log: EventLog, session: EngineSession, audio: Uint8Array, label: string): Promise<void> {
    const received = (): number => audioOut(log).reduce((n, a) => n + a.byteLength, 0);
    await waitUntil(() => received() >= audio.byteLength || log.ended, timeout, `${label}: all agent audio arrives`);
    await tick(20);
    const size = bytesPerSample(session.outputFormat);
    assert(audioOut(log).every((a) => a.byteLength % size === 0), `${label}: an audio event is not whole samples`);
    assertBytesEqual(concatBytes(audioOut(log)), audio, `${label}: agent audio events`);
  }

  async function expectClosed(session: EngineSession, log: EventLog, conn: EngineConformanceConnection, label: string) {
    await withTimeout(log.done, timeout, `${label}: events() to end`);
    await waitUntil(() => conn.isClosed(), timeout, `${label}: the vendor connection is closed`);
    const count = log.events.length;
    await conn.sendAudio(distinctAudio(session.outputFormat, 40, 99)).catch(() => undefined);
    await tick(50);
    assert(log.events.length === count, `${label}: an event was emitted after the session ended`);
  }

  const toolCallCheck: ConformanceCheck = {
    name: 'a vendor tool call arrives once as a toolCall event and its result reaches the vendor',
    async run() {
      const { session, log, base } = await open(harness.createEngine(), { tools: CONFORMANCE_TOOLS });
      try {
        await waitUntil(() => harness.connections().length > base, timeout, 'the vendor connection opens');
        const conn = harness.connections()[base];
        assert(conn?.requestToolCall && conn.toolResults, 'the harness connection lacks requestToolCall/toolResults');
        const call: ToolCallRequest = { id: 'call_conformance_1', name: 'book_table', arguments: '{"party":2,"time":"19:30"}' };
        await conn.requestToolCall(call);
        await waitUntil(() => log.events.some((e) => e.type === 'toolCall'), timeout, 'a toolCall event');
        await tick(30);
        const calls = log.events.flatMap((e) => (e.type === 'toolCall' ? [e.call] : []));
        assertEqual(calls.length, 1, 'toolCall events');
        assertEqual(calls[0]?.id, call.id, 'tool call id');
        assertEqual(calls[0]?.name, call.name, 'tool call name');
        assertEqual(JSON.parse(calls[0]?.arguments ?? 'null') as unknown, JSON.parse(call.arguments) as unknown, 'tool call arguments');
        session.sendToolResult(call.id, '{"booked":true}');
        const results = () => conn.toolResults?.() ?? [];
        await waitUntil(() => results().length > 0, timeout, 'the vendor receives the tool result');
        assertEqual(results()[0], { callId: call.id, output: '{"booked":true}' }, 'tool result at the vendor');
      } finally {
        await withTimeout(session.close(), timeout, 'close()');
      }
    },
  };

  return [
    {
      name: 'a session carries caller audio to its vendor connection and agent audio back as audio events',
      async run() {
        const { session, log, base } = await open(harness.createEngine());
        try {
          await waitUntil(() => harness.connections().length > base, timeout, 'the vendor connection opens');
          const conn = harness.connections()[base];
          assert(conn, 'no vendor connection');
          const input = distinctAudio(session.inputFormat, 400, 11);
          await sendIn(session, input);
          await expectIn(conn, input, 'session');
          const output = distinctAudio(session.outputFormat, 300, 12);
          await conn.sendAudio(output);
          await expectOut(log, session, output, 'session');
          assert(harness.connections().length === base + 1, 'one session opened more than one vendor connection');
        } finally {
          await withTimeout(session.close(), timeout, 'close()');
        }
      },
    },
    {
      name: 'two concurrent sessions from one engine use separate connections with separate audio',
      async run() {
        const engine = harness.createEngine();
        const base = harness.connections().length;
        const a = await open(engine, { callId: 'conformance-a' });
        await waitUntil(() => harness.connections().length > base, timeout, 'the first vendor connection opens');
        const b = await open(engine, { callId: 'conformance-b' });
        try {
          await waitUntil(() => harness.connections().length >= base + 2, timeout, 'the second vendor connection opens');
          assert(harness.connections().length === base + 2, 'two sessions did not open exactly two connections');
          const [connA, connB] = harness.connections().slice(base) as [EngineConformanceConnection, EngineConformanceConnection];
          const inA = distinctAudio(a.session.inputFormat, 300, 21);
          const inB = distinctAudio(b.session.inputFormat, 500, 22);
          await Promise.all([sendIn(a.session, inA), sendIn(b.session, inB)]);
          await expectIn(connA, inA, 'session A');
          await expectIn(connB, inB, 'session B');
          const outA = distinctAudio(a.session.outputFormat, 200, 23);
          const outB = distinctAudio(b.session.outputFormat, 260, 24);
          await Promise.all([connB.sendAudio(outB), connA.sendAudio(outA)]);
          await expectOut(a.log, a.session, outA, 'session A');
          await expectOut(b.log, b.session, outB, 'session B');
        } finally {
          await withTimeout(Promise.all([a.session.close(), b.session.close()]), timeout, 'close() of both sessions');
        }
      },
    },
    {
      name: 'close() ends events() and closes the vendor connection; nothing is emitted after',
      async run() {
        const { session, log, base } = await open(harness.createEngine());
        await waitUntil(() => harness.connections().length > base, timeout, 'the vendor connection opens');
        const conn = harness.connections()[base];
        assert(conn, 'no vendor connection');
        await withTimeout(session.close(), timeout, 'close()');
        await expectClosed(session, log, conn, 'after close()');
        session.sendAudio(distinctAudio(session.inputFormat, 40, 31));
        await withTimeout(session.close(), timeout, 'a second close()');
      },
    },
    {
      name: 'aborting the connect signal ends the session and closes the vendor connection',
      async run() {
        const controller = new AbortController();
        const { session, log, base } = await open(harness.createEngine(), { signal: controller.signal });
        await waitUntil(() => harness.connections().length > base, timeout, 'the vendor connection opens');
        const conn = harness.connections()[base];
        assert(conn, 'no vendor connection');
        controller.abort();
        await expectClosed(session, log, conn, 'after abort');
        await withTimeout(session.close(), timeout, 'close() after abort');
      },
    },
    ...(harness.toolCalls ? [toolCallCheck] : []),
  ];
}
