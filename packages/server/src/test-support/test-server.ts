import { request } from 'node:http';
import { silentLogger, type CallSessionOptions, type Logger } from '@patter/core';
import WebSocket from 'ws';
import { Patter } from '../patter.js';
import type { ServeOptions } from '../serve-options.js';
import type { ServerHandle } from '../serve.js';
import { FakeCarrier } from './fake-carrier.js';
import { RecordingSession } from './recording-session.js';

/** A pipeline agent made of inert providers (the recording session never calls them). */
export const inertAgentOptions = {
  stt: { inputFormats: [], stream: () => ({}) as never },
  llm: { chat: () => ({}) as never },
  tts: { outputFormats: [], synthesize: () => ({}) as never },
} as never;

export interface TestServer {
  readonly phone: Patter;
  readonly handle: ServerHandle;
  readonly carrier: FakeCarrier;
  readonly sessions: RecordingSession[];
}

export async function startTestServer(
  serve: Partial<ServeOptions> = {},
  logger: Logger = silentLogger,
): Promise<TestServer> {
  const carrier = new FakeCarrier();
  const sessions: RecordingSession[] = [];
  const phone = new Patter({
    carrier,
    phoneNumber: '+15550001234',
    logger,
    createSession: (options: CallSessionOptions) => {
      const session = new RecordingSession(options);
      sessions.push(session);
      return session;
    },
  });
  const agent = phone.agent({ ...(inertAgentOptions as object), systemPrompt: 'served' });
  const handle = await phone.serve({ agent, port: 0, host: '127.0.0.1', shutdownSignals: false, ...serve });
  return { phone, handle, carrier, sessions };
}

/** Asks the fake carrier's webhook for a stream URL, as a carrier would on an inbound call. */
export async function inboundStreamUrl(handle: ServerHandle): Promise<string> {
  const response = await post(`${handle.url}/fake/voice`, '');
  if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
  return (JSON.parse(response.body) as { streamUrl: string }).streamUrl;
}

/** One POST on its own connection (closed after), so connection counts stay predictable. */
export function post(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens a media stream; resolves with the socket, or rejects with the HTTP status of a refused upgrade. */
export function openStream(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_request, response) => reject(new Error(`refused ${response.statusCode}`)));
    ws.once('error', reject);
  });
}

export function send(ws: WebSocket, message: Record<string, unknown>): void {
  ws.send(JSON.stringify(message));
}

/**
 * Polls `check` until it returns true (or fails the test after `timeoutMs`). The default is generous:
 * it only bounds a failing test, and a loaded 2-core machine can be seconds late.
 */
export async function waitFor(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => (ws.readyState === ws.CLOSED ? resolve(1006) : ws.once('close', (code) => resolve(code))));
}
