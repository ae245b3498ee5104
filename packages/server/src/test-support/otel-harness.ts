import { metrics, trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** One recorded data point: the metric's name, unit and point (value + attributes). */
export interface RecordedPoint {
  readonly name: string;
  readonly unit: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Sum (counters) or, for histograms, `{ count, sum, min, max }`. */
  readonly value: number | { readonly count: number; readonly sum?: number; readonly min?: number; readonly max?: number };
}

/**
 * The OpenTelemetry SDK registered globally with in-memory exporters (the SDK's own), for
 * tests that read back what Patter recorded.
 */
export class OtelHarness {
  readonly spans = new InMemorySpanExporter();
  private readonly metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  private readonly reader = new PeriodicExportingMetricReader({ exporter: this.metricExporter, exportIntervalMillis: 3_600_000 });
  private readonly meterProvider = new MeterProvider({ readers: [this.reader] });
  private readonly tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.spans)] });

  register(): this {
    metrics.setGlobalMeterProvider(this.meterProvider);
    trace.setGlobalTracerProvider(this.tracerProvider);
    return this;
  }

  /** Every data point recorded so far (cumulative). */
  async points(): Promise<RecordedPoint[]> {
    this.metricExporter.reset();
    await this.reader.forceFlush();
    const out: RecordedPoint[] = [];
    for (const resource of this.metricExporter.getMetrics()) {
      for (const scope of resource.scopeMetrics) {
        for (const metric of scope.metrics as MetricData[]) {
          for (const point of metric.dataPoints as DataPoint<unknown>[]) {
            out.push({ name: metric.descriptor.name, unit: metric.descriptor.unit, attributes: point.attributes, value: point.value as RecordedPoint['value'] });
          }
        }
      }
    }
    return out;
  }

  finishedSpans(): ReadableSpan[] {
    return this.spans.getFinishedSpans();
  }

  async shutdown(): Promise<void> {
    await this.meterProvider.shutdown();
    await this.tracerProvider.shutdown();
    metrics.disable();
    trace.disable();
  }
}
