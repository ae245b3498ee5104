import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// @opentelemetry/api is an optional peer: without it a call must run exactly as with it, and
// say nothing about telemetry. A child process where the package cannot be resolved (a loader
// hook makes `import` and `require` of it fail as if it were not installed) runs a full
// simulated Twilio pipeline call.

const packageDir = fileURLToPath(new URL('..', import.meta.url));

interface ChildReport {
  readonly requireFails: boolean;
  readonly importFails: boolean;
  readonly reason: string;
  readonly transcript: readonly string[];
  readonly heardMs: readonly (number | undefined)[];
  readonly usageKeys: readonly string[];
  readonly violations: readonly string[];
  readonly logs: readonly { readonly level: string; readonly msg: string }[];
}

function runWithoutOpenTelemetry(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=@patter/source', '--import', 'tsx', '--import', './src/test-support/without-open-telemetry.ts', 'src/test-support/no-open-telemetry-call.ts'],
    { cwd: packageDir, env: { ...process.env, PATTER_LOG_LEVEL: 'debug' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('a call without @opentelemetry/api installed', { timeout: 90_000 }, () => {
  it('completes normally (greeting, two turns heard, usage) and logs nothing about telemetry, nothing at warn or error', async () => {
    const { code, stdout, stderr } = await runWithoutOpenTelemetry();
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as ChildReport;
    // The package really was missing in the child.
    expect(report.requireFails).toBe(true);
    expect(report.importFails).toBe(true);
    expect(report.reason).toBe('caller_hangup');
    expect(report.transcript).toEqual(['assistant', 'user', 'assistant', 'user', 'assistant']);
    expect(report.heardMs).toHaveLength(2);
    for (const heard of report.heardMs) expect(heard).toBeGreaterThan(0);
    expect(report.usageKeys).toEqual(['cartesia_tts', 'deepgram', 'openai', 'twilio']);
    expect(report.violations).toEqual([]);
    expect(report.logs.length).toBeGreaterThan(0);
    expect(report.logs.filter((l) => l.level === 'warn' || l.level === 'error' || l.level === 'fatal')).toEqual([]);
    expect(report.logs.filter((l) => /telemetry|opentelemetry|otel/i.test(JSON.stringify(l)))).toEqual([]);
    expect(stderr).not.toMatch(/telemetry|opentelemetry/i);
  });
});
