import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';

// The README's demo command builds the demo and runs `node apps/demo/dist/main.js`; so does this
// test (the test command builds everything before the tests run).
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

/** Spawns the built demo with only `extra` set (no keys from the developer's shell leak in). */
function spawnDemo(extra: Record<string, string> = {}): { child: ChildProcess; output: () => string } {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, PORT: '0', NODE_ENV: 'development', ...extra };
  const spawned = spawn(process.execPath, [main], { env, cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] });
  child = spawned;
  let text = '';
  spawned.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  spawned.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  return { child: spawned, output: () => text };
}

function startDemo(extra: Record<string, string> = {}): Promise<{ url: string; output: () => string }> {
  const { output } = spawnDemo(extra);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not print its URL:\n${output()}`)), 15_000);
    // Resolved once the last start-up line (who may use the dev phone) is out, not just the URL:
    // under load the lines arrive in separate chunks.
    child?.stdout?.on('data', () => {
      const match = /open (http:\/\/\S+\/phone)/.exec(output());
      if (match?.[1] && /^demo: (the dev phone answers|other devices reach the dev phone)/m.test(output())) {
        clearTimeout(timer);
        resolve({ url: match[1].replace(/\/phone$/, ''), output });
      }
    });
    child?.once('exit', (code) => reject(new Error(`demo exited with ${code}:\n${output()}`)));
  });
}

describe.skipIf(!existsSync(main))('the demo as a process', () => {
  it('with no keys, says which mode it chose and why, serves the dev phone, and books a table in text mode', async () => {
    const { url, output } = await startDemo();
    expect(output()).toContain('demo: mode text — no provider keys are set');
    expect(output()).toContain('demo: the dev phone answers this machine only; set PATTER_DEVPHONE_SECRET');
    const page = await fetch(`${url}/phone`);
    expect(page.status).toBe(200);
    const call = (await (await fetch(`${url}/devphone/call`, { method: 'POST', headers: { origin: url } })).json()) as { mode: string; streamPath: string; callId: string };
    expect(call.mode).toBe('text');
    const ws = new WebSocket(`${url.replace('http', 'ws')}${call.streamPath}`);
    const replies: string[] = [];
    const tools: string[] = [];
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { event: string; text?: string; name?: string };
      if (message.event === 'reply' && message.text) replies.push(message.text);
      if (message.event === 'toolCall' && message.name) tools.push(message.name);
    });
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ event: 'start', start: { streamId: 'S1', callId: call.callId } }));
    ws.send(JSON.stringify({ event: 'text', text: "I'd like a table for two on Friday at 8, my name is Ann" }));
    const started = Date.now();
    while (!replies.some((r) => r.includes('T-101')) && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(replies[0]).toMatch(/^Luigi's Trattoria, good evening/);
    // The reply arrives clause by clause, as it would go to TTS.
    expect(replies.slice(1).join(' ')).toBe('Booked: a table for 2 on friday at 20:00, under Ann. Your reference is T-101.');
    expect(tools).toEqual(['book_table']);
    ws.close();
    // SIGTERM: graceful shutdown, then the server re-raises the signal to exit the usual way.
    // 'close', not 'exit': the output is complete once the child's stdio has closed.
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child?.once('close', (code, signal) => resolve({ code, signal })),
    );
    child?.kill('SIGTERM');
    expect(await exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(output()).toContain('demo: call ended');
  }, 30_000);

  it('with Twilio variables, also answers the number and prints the exact webhook URL to configure', async () => {
    const { url, output } = await startDemo({
      TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(32),
      TWILIO_AUTH_TOKEN: 'demo-auth-token',
      TWILIO_PHONE_NUMBER: '+15550001234',
      PATTER_WEBHOOK_URL: 'https://luigi.example.ngrok.app/',
    });
    const lines = output().split('\n');
    expect(lines).toContain('demo: carrier — twilio number +15550001234');
    expect(lines).toContain(
      'demo: to take calls on the number, set the Voice URL of +15550001234 ("A call comes in", HTTP POST) in the Twilio console to https://luigi.example.ngrok.app/twilio/voice',
    );
    expect(output()).not.toContain('demo-auth-token');
    // That webhook is served (and, unsigned, refused as Twilio's signature check requires); the dev phone still works.
    expect((await fetch(`${url}/twilio/voice`, { method: 'POST', body: 'CallSid=CA1' })).status).toBe(403);
    expect((await fetch(`${url}/phone`)).status).toBe(200);
  }, 30_000);

  it('with a carrier but no PATTER_WEBHOOK_URL, exits 1 saying what to set (no stack trace)', async () => {
    const { child: demo, output } = spawnDemo({ TELNYX_API_KEY: 'k', TELNYX_PHONE_NUMBER: '+15550009999' });
    const code = await new Promise<number | null>((resolve) => demo.once('exit', (exitCode) => resolve(exitCode)));
    expect(code).toBe(1);
    expect(output().trim()).toBe(
      'demo: PATTER_WEBHOOK_URL is required with a carrier: the public https URL the carrier reaches this server at (e.g. https://abc.ngrok.app)',
    );
  }, 30_000);
});
