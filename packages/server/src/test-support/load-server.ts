// The server side of the load test, run as its own process so its CPU and memory are its own.
// Serves Twilio calls with echo sessions; answers IPC 'stats' with process usage and per-call checks.
import { silentLogger } from '@patter/core';
import { Twilio } from '@patter/twilio';
import { Patter } from '@patter/server';
import { EchoSession } from './echo-session.js';
import { timerCensus } from './timer-census.js';

timerCensus.install();

const sessions: EchoSession[] = [];
const phone = new Patter({
  carrier: new Twilio({ accountSid: process.env.LOAD_ACCOUNT_SID!, authToken: process.env.LOAD_AUTH_TOKEN!, baseUrl: 'http://127.0.0.1:9' }),
  phoneNumber: '+14155550199',
  logger: silentLogger,
  createSession: (options) => {
    const session = new EchoSession(options);
    sessions.push(session);
    return session;
  },
});
const handle = await phone.serve({
  agent: phone.agent({
    stt: { key: 'inert', inputFormats: [], stream: () => ({}) as never },
    llm: { key: 'inert', model: 'inert', chat: () => ({}) as never },
    tts: { key: 'inert', outputFormats: [], synthesize: () => ({}) as never },
  }),
  port: 0,
  host: '127.0.0.1',
  maxCalls: 10_000,
});
process.send!({ type: 'ready', url: handle.url });
process.on('message', (message: { type: string; id: number }) => {
  if (message.type === 'stats') {
    process.send!({
      type: 'stats',
      id: message.id,
      cpu: process.cpuUsage(),
      memory: process.memoryUsage(),
      at: performance.now(),
      activeCalls: handle.activeCalls,
      timers: timerCensus.live,
      calls: sessions.map((session) => session.stats),
    });
  } else if (message.type === 'gc') {
    globalThis.gc?.();
    process.send!({ type: 'gc', id: message.id });
  } else if (message.type === 'close') {
    void handle.close({ timeoutMs: 0 }).then(() => process.exit(0));
  }
});
