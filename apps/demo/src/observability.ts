import { metrics, trace } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface Observability {
  /** Where Prometheus scrapes (`http://host:port/metrics`), when enabled. */
  readonly metricsUrl: string | undefined;
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry for the demo, from the environment — all Patter needs is an SDK registered
 * globally; it then records its metrics and traces by itself:
 * - `PATTER_METRICS_PORT` (e.g. 9464): Prometheus scrapes `/metrics` there;
 * - `OTEL_EXPORTER_OTLP_ENDPOINT` (e.g. `http://localhost:4318`): traces and metrics over OTLP/HTTP
 *   to any collector (Grafana Tempo/Mimir, Honeycomb, Datadog, Jaeger …).
 */
export async function startObservability(env: NodeJS.ProcessEnv): Promise<Observability> {
  const readers: MetricReader[] = [];
  let metricsUrl: string | undefined;
  if (env.PATTER_METRICS_PORT) {
    const port = Number(env.PATTER_METRICS_PORT);
    const prometheus = new PrometheusExporter({ port, preventServerStart: true });
    await prometheus.startServer();
    readers.push(prometheus);
    metricsUrl = `http://localhost:${port}/metrics`;
  }
  const otlp = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (otlp) readers.push(new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: 15_000 }));
  const meterProvider = new MeterProvider({ readers });
  metrics.setGlobalMeterProvider(meterProvider);
  const tracerProvider = new BasicTracerProvider({ spanProcessors: otlp ? [new BatchSpanProcessor(new OTLPTraceExporter())] : [] });
  trace.setGlobalTracerProvider(tracerProvider);
  return {
    metricsUrl,
    async shutdown() {
      await Promise.all([meterProvider.shutdown(), tracerProvider.shutdown()]);
    },
  };
}
