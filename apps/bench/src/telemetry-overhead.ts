import { metrics, trace } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { availableParallelism, loadavg } from 'node:os';
import { silentLogger } from '@patter/core';
import { createCallSession } from '@patter/core/plugin';
import { run as audioFrame } from './audio-frame.js';
import { measure } from './measure.js';
import { CallFakes } from './pipeline-fakes.js';
import type { BenchReport } from './bench-report.js';
import { run as pipelineLatency } from './pipeline-latency.js';

/** audio-frame rows compared (their sustained µs per frame). */
const FRAME_ROWS = ['in + out, JSON', 'in + out, fast'];

/**
 * The audio frame bench and `pipeline-latency` in one process, without and then with an
 * OpenTelemetry SDK registered (meter provider exporting every second to memory, tracer provider
 * with a batch processor): the frame path must not change (telemetry never runs per frame) and
 * the framework's added latency must stay < 2 ms p99 at 100 calls. Rounds alternate the two
 * modes (`ROUNDS` each) and each cell is the median of its rounds.
 */
export async function run(): Promise<BenchReport> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const results: Record<'off' | 'on', { frame: Map<string, number[]>; pipeline: Map<string, number[]> }> = {
    off: { frame: new Map(), pipeline: new Map() },
    on: { frame: new Map(), pipeline: new Map() },
  };
  let spanCount = 0;
  for (let round = 0; round < rounds; round++) {
    for (const mode of ['off', 'on'] as const) {
      const spans = new InMemorySpanExporter();
      const sdk = mode === 'on' ? registerSdk(spans) : undefined;
      const frame = await audioFrame();
      for (const row of frame.rows) {
        const label = String(row[0]);
        if (FRAME_ROWS.includes(label)) push(results[mode].frame, `${label} (sustained µs)`, row[4] as number);
      }
      push(results[mode].frame, 'caller frame through a live call session (sustained µs)', await sessionFrame());
      const pipeline = await pipelineLatency();
      for (const row of pipeline.rows) {
        push(results[mode].pipeline, `${String(row[0])} p50 (ms)`, row[2] as number);
        push(results[mode].pipeline, `${String(row[0])} p99 (ms)`, row[3] as number);
      }
      await sdk?.flush();
      spanCount += spans.getFinishedSpans().length;
      await sdk?.shutdown();
    }
  }
  const rows: (string | number)[][] = [];
  for (const kind of ['frame', 'pipeline'] as const) {
    for (const [label, off] of results.off[kind]) {
      const on = results.on[kind].get(label) ?? [];
      rows.push([label, median(off), median(on), off.map((v) => v.toFixed(2)).join(' / '), on.map((v) => v.toFixed(2)).join(' / ')]);
    }
  }
  return {
    title: `OpenTelemetry SDK off vs on, same process (median of ${rounds} alternating rounds)`,
    columns: ['measure', 'no SDK', 'SDK', 'no SDK rounds', 'SDK rounds'],
    rows,
    notes: [
      `spans exported while the SDK was on: ${spanCount}`,
      `load average at the end: ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs (other processes inflate p99).`,
    ],
  };
}

/**
 * One caller frame through a live pipeline session (transport → VAD → barge-in check → STT
 * send), timed per frame: the session's frame path with whatever telemetry is registered.
 */
async function sessionFrame(): Promise<number> {
  const call = new CallFakes({ callId: 'CA-frame', callRef: 'ref-frame', carrier: 'bench', direction: 'inbound', parameters: {} });
  const session = createCallSession({
    transport: call.transport,
    logger: silentLogger,
    agent: { stt: call.stt, llm: call.llm, tts: call.tts, hallucinationFilter: false },
  });
  call.transport.start();
  await new Promise((resolve) => setImmediate(resolve));
  const frame = new Uint8Array(160).fill(0xff);
  const timing = measure(() => {
    call.transport.hear(frame);
    return 1;
  });
  await session.end('shutdown');
  return timing.sustained;
}

function registerSdk(spans: InMemorySpanExporter): { flush(): Promise<void>; shutdown(): Promise<void> } {
  const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 1000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(spans)] });
  metrics.setGlobalMeterProvider(meterProvider);
  trace.setGlobalTracerProvider(tracerProvider);
  return {
    flush: () => tracerProvider.forceFlush(),
    async shutdown() {
      await Promise.all([meterProvider.shutdown(), tracerProvider.shutdown()]);
      metrics.disable();
      trace.disable();
    },
  };
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}
