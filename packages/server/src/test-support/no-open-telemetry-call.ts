import { createRequire } from 'node:module';
import { createConsoleLogger } from '@patter/core';
import { pipelineCall } from './telemetry-pipeline-call.js';

// Run as a child process with `--import ./without-open-telemetry.ts`: a full simulated Twilio
// pipeline call (the same as the telemetry e2e) where `@opentelemetry/api` cannot be resolved.
// Prints one JSON line: whether the API was resolvable, how the call went, every log line.

const lines: Record<string, unknown>[] = [];
const logger = createConsoleLogger({ level: 'debug', format: 'json', write: (line) => void lines.push(JSON.parse(line) as Record<string, unknown>) });

const hidden = (error: unknown): boolean => ['MODULE_NOT_FOUND', 'ERR_MODULE_NOT_FOUND'].includes((error as { code?: string }).code ?? '');
let requireFails = false;
let importFails = false;
try {
  createRequire(import.meta.url)('@opentelemetry/api');
} catch (error) {
  requireFails = hidden(error);
}
try {
  await import('@opentelemetry/api');
} catch (error) {
  importFails = hidden(error);
}

const closers: (() => Promise<void>)[] = [];
try {
  const { summary, metrics, call } = await pipelineCall({ stt: 'deepgram', closers, turns: 2, logger });
  process.stdout.write(
    `${JSON.stringify({
      requireFails,
      importFails,
      reason: summary.reason,
      transcript: summary.transcript.map((t) => t.role),
      heardMs: metrics.map((m) => m.heardMs),
      usageKeys: Object.keys(summary.usage).sort(),
      violations: call.violations,
      logs: lines,
    })}\n`,
  );
} finally {
  for (const close of closers.reverse()) await close();
}
