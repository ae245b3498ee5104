import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FakeTwilioApi } from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCliArgs } from './cli-args.js';
import { waitFor } from './test-support/test-server.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const ACCOUNT_SID = 'AC' + 'c3'.repeat(16);
const AUTH_TOKEN = 'cli-auto-configure-token-never-printed';
const VOICE_URL = 'https://agent.example.com/twilio/voice';

interface Cli {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the CLI from source, as cli.test.ts does. */
function runCli(args: string[], env: Record<string, string>): Cli {
  const child = spawn(process.execPath, ['--conditions=@patter/source', '--import', 'tsx', '--', 'src/cli.ts', ...args], {
    cwd: packageDir,
    env: { ...process.env, PATTER_LOG_LEVEL: 'silent', PORT: '', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => text, exited };
}

let running: Cli | undefined;
let api: FakeTwilioApi | undefined;
afterEach(async () => {
  if (running && running.child.exitCode === null && running.child.signalCode === null) {
    running.child.kill('SIGKILL');
    await running.exited;
  }
  running = undefined;
  await api?.close();
  api = undefined;
});

describe('patter serve --auto-configure', { timeout: 60_000 }, () => {
  it('parses the flag (serve only, no value)', () => {
    expect(parseCliArgs(['serve', 'a.ts', '--auto-configure', '--port', '0'])).toEqual({ command: 'serve', module: 'a.ts', port: 0, autoConfigure: true });
    expect(parseCliArgs(['serve', 'a.ts'])).not.toHaveProperty('autoConfigure');
    expect(() => parseCliArgs(['serve', 'a.ts', '--auto-configure=yes'])).toThrow(/--auto-configure takes no value/);
    expect(() => parseCliArgs(['test', 'a.ts', '--auto-configure'])).toThrow(/works with patter serve only/);
  });

  it('points the Twilio number at the server and prints old -> new; without the flag nothing is asked of Twilio', async () => {
    api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
    const number = api.incomingNumbers.add('+14155550199', { voice_url: 'https://old.example.com/answer', voice_method: 'POST' });
    const env = { FIXTURE_TWILIO_ACCOUNT_SID: ACCOUNT_SID, FIXTURE_TWILIO_AUTH_TOKEN: AUTH_TOKEN, FIXTURE_TWILIO_BASE_URL: api.url };

    running = runCli(['serve', 'src/test-support/fixtures/twilio-agent.ts', '--port', '0'], env);
    const plain = running;
    await waitFor(() => /press Ctrl-C/.test(plain.output()), 30_000);
    expect(plain.output()).not.toContain('auto-configure');
    expect(api.requests.items).toEqual([]);
    plain.child.kill('SIGTERM');
    await plain.exited;

    running = runCli(['serve', 'src/test-support/fixtures/twilio-agent.ts', '--port', '0', '--auto-configure'], env);
    const cli = running;
    await waitFor(() => /press Ctrl-C/.test(cli.output()), 30_000);
    const output = cli.output();
    expect(output).toContain(`patter: auto-configure twilio IncomingPhoneNumber ${number.sid} (+1415***0199) VoiceUrl: https://old.example.com/answer -> ${VOICE_URL}`);
    expect(output).toContain(`patter: auto-configure twilio IncomingPhoneNumber ${number.sid} (+1415***0199) VoiceMethod: already POST, unchanged`);
    expect(output).toContain('restores nothing on exit');
    expect(output).not.toContain(AUTH_TOKEN);
    expect(api.incomingNumbers.get('+14155550199')?.voice_url).toBe(VOICE_URL);
    cli.child.kill('SIGTERM');
    await cli.exited;
    // Nothing restored on shutdown.
    expect(api.incomingNumbers.get('+14155550199')?.voice_url).toBe(VOICE_URL);
    expect(api.requests.items.map((r) => r.method)).toEqual(['GET', 'POST']);
  });

  it('fails start with exit code 1 naming the number when Twilio does not have it', async () => {
    api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
    const env = { FIXTURE_TWILIO_ACCOUNT_SID: ACCOUNT_SID, FIXTURE_TWILIO_AUTH_TOKEN: AUTH_TOKEN, FIXTURE_TWILIO_BASE_URL: api.url };
    running = runCli(['serve', 'src/test-support/fixtures/twilio-agent.ts', '--port', '0', '--auto-configure'], env);
    expect((await running.exited).code).toBe(1);
    expect(running.output()).toContain('patter: autoConfigure: could not point twilio number +14155550199 at https://agent.example.com');
    expect(running.output()).toContain('+14155550199 is not a phone number of Twilio account');
    expect(running.output()).not.toContain(AUTH_TOKEN);
  });
});
