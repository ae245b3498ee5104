import { ConfigError, silentLogger, type CallControl, type CallEndSummary, type CallInfo } from '@patter/core';
import { afterEach, describe, expect, it } from 'vitest';
import { Patter } from './patter.js';
import { FakeCarrier } from './test-support/fake-carrier.js';
import {
  closed,
  inboundStreamUrl,
  inertAgentOptions,
  openStream,
  post,
  send,
  startTestServer,
  waitFor,
  type TestServer,
} from './test-support/test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.handle.close({ timeoutMs: 0 });
  server = undefined;
});

describe('new Patter()', () => {
  it('names bad options', () => {
    const carrier = new FakeCarrier();
    const option = (make: () => unknown) => {
      try {
        make();
      } catch (error) {
        return error instanceof ConfigError ? error.option : 'other';
      }
      return 'none';
    };
    expect(option(() => new Patter({ carrier: {} as never, phoneNumber: '+15550001234' }))).toBe('carrier');
    expect(option(() => new Patter({ carrier, phoneNumber: '5550001234' }))).toBe('phoneNumber');
    expect(option(() => new Patter({ carrier, phoneNumber: '+15550001234', webhookUrl: 'not a url' }))).toBe('webhookUrl');
    expect(option(() => new Patter({ carrier, phoneNumber: '+15550001234', streamSecret: 'short' }))).toBe('streamSecret');
  });

  it('refuses a misspelt Patter option with the one meant (webhookURL would leave the carrier told 127.0.0.1)', () => {
    const carrier = new FakeCarrier();
    const make = (options: Record<string, unknown>) => () => new Patter({ carrier, phoneNumber: '+15550001234', ...options } as never);
    expect(make({ webhookURL: 'https://abc.example.com' })).toThrow('webhookURL: unknown Patter option; did you mean webhookUrl?');
    expect(make({ phonenumber: '+15550001234' })).toThrow(/did you mean phoneNumber\?/);
    expect(make({ webhookUrl: undefined })).not.toThrow();
  });

  it('webhookUrl: https, or http:// only for a loopback host', () => {
    const carrier = new FakeCarrier();
    const make = (webhookUrl: string) => () => new Patter({ carrier, phoneNumber: '+15550001234', webhookUrl });
    expect(make('http://abc.ngrok.app')).toThrow(/webhookUrl: must be https:\/\/ .*got http:\/\/abc.ngrok.app/);
    expect(make('http://203.0.113.7:8000')).toThrow(ConfigError);
    expect(make('wss://abc.ngrok.app')).toThrow(/webhookUrl: must be an https:\/\/ URL/);
    expect(make('https://abc.ngrok.app/')).not.toThrow();
    expect(new Patter({ carrier, phoneNumber: '+15550001234', webhookUrl: 'https://abc.ngrok.app/' }).webhookUrl).toBe('https://abc.ngrok.app');
    for (const local of ['http://localhost:8000', 'http://127.0.0.1:8000', 'http://[::1]:8000', 'http://app.localhost']) expect(make(local)).not.toThrow();
  });

  it('a carrier that calls from the internet needs webhookUrl, unless the server listens on loopback only', async () => {
    const carrier = Object.assign(new FakeCarrier(), { needsPublicUrl: true });
    const phone = new Patter({ carrier, phoneNumber: '+15550001234', logger: silentLogger });
    const agent = phone.agent(inertAgentOptions);
    await expect(phone.serve({ agent, port: 0, shutdownSignals: false })).rejects.toMatchObject({ option: 'webhookUrl' });
    await expect(phone.serve({ agent, port: 0, host: '::', shutdownSignals: false })).rejects.toThrow(/webhookUrl: required with fake.*127\.0\.0\.1/);
    const local = await phone.serve({ agent, port: 0, host: '127.0.0.1', shutdownSignals: false });
    await local.close();
    const tunnelled = new Patter({ carrier, phoneNumber: '+15550001234', webhookUrl: 'https://abc.ngrok.app', logger: silentLogger });
    const handle = await tunnelled.serve({ agent: tunnelled.agent(inertAgentOptions), port: 0, shutdownSignals: false });
    expect(handle.publicUrl).toBe('https://abc.ngrok.app');
    await handle.close();
    // No carrier (the dev phone only) needs none.
    expect(new Patter({ logger: silentLogger }).webhookUrl).toBeUndefined();
  });

  it('names bad serve options before listening', async () => {
    const phone = new Patter({ carrier: new FakeCarrier(), phoneNumber: '+15550001234', logger: silentLogger });
    const agent = phone.agent(inertAgentOptions);
    await expect(phone.serve({ agent, port: -1 })).rejects.toMatchObject({ option: 'port' });
    await expect(phone.serve({ agent, maxBodyBytes: 0 })).rejects.toMatchObject({ option: 'maxBodyBytes' });
    await expect(phone.serve({ agent, onCallEnd: 'x' as never })).rejects.toMatchObject({ option: 'onCallEnd' });
    await expect(phone.serve({ agent: { engine: {} } as never })).rejects.toMatchObject({ option: 'engine' });
  });

  it('binds all interfaces by default (works in a container), or the host given', async () => {
    const phone = new Patter({ carrier: new FakeCarrier(), phoneNumber: '+15550001234', logger: silentLogger });
    const handle = await phone.serve({ agent: phone.agent(inertAgentOptions), port: 0, shutdownSignals: false });
    try {
      expect(handle.host).toBe('0.0.0.0');
      expect(handle.url).toBe(`http://127.0.0.1:${handle.port}`);
      expect((await fetch(`${handle.url}/health`)).status).toBe(200);
    } finally {
      await handle.close();
    }
    const local = new Patter({ carrier: new FakeCarrier(), phoneNumber: '+15550001234', logger: silentLogger });
    const loopback = await local.serve({ agent: local.agent(inertAgentOptions), port: 0, host: '127.0.0.1', shutdownSignals: false });
    try {
      expect(loopback.host).toBe('127.0.0.1');
    } finally {
      await loopback.close();
    }
  });

  it('uses webhookUrl for the stream URLs it hands the carrier', async () => {
    const carrier = new FakeCarrier();
    const phone = new Patter({ carrier, phoneNumber: '+15550001234', webhookUrl: 'https://abc.example.com/', logger: silentLogger });
    const handle = await phone.serve({ agent: phone.agent(inertAgentOptions), port: 0, host: '127.0.0.1', shutdownSignals: false });
    try {
      expect(handle.publicUrl).toBe('https://abc.example.com');
      expect(carrier.host?.publicUrl).toBe('https://abc.example.com');
      expect(carrier.host?.streamUrl('a'.repeat(32))).toMatch(/^wss:\/\/abc\.example\.com\/fake\/stream\/a{32}\//);
    } finally {
      await handle.close();
    }
  });
});

describe('phone.serve() calls', () => {
  it('runs an inbound call through the session and the callbacks, ending once', async () => {
    const starts: Array<[CallInfo, CallControl]> = [];
    const ends: CallEndSummary[] = [];
    server = await startTestServer({
      onCallStart: (info, control) => void starts.push([info, control]),
      onCallEnd: (summary) => void ends.push(summary),
    });
    const ws = await openStream(await inboundStreamUrl(server.handle));
    send(ws, { event: 'start', callId: 'CA1' });
    await waitFor(() => starts.length === 1);
    const session = server.sessions[0]!;
    expect(starts[0]![0]).toMatchObject({ callId: 'CA1', direction: 'inbound' });
    expect(starts[0]![1]).toBe(session.control);
    expect(session.options.agent.systemPrompt).toBe('served');
    send(ws, { event: 'dtmf', digit: '5' });
    await waitFor(() => session.dtmf.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    send(ws, { event: 'stop' });
    await closed(ws);
    await waitFor(() => ends.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ callId: 'CA1', reason: 'caller_hangup' });
    expect(ends[0]!.durationMs).toBeGreaterThanOrEqual(25);
    expect(server.handle.activeCalls).toBe(0);
  });

  it('keeps serving when a user callback throws', async () => {
    const ends: string[] = [];
    server = await startTestServer({
      onCallStart: () => {
        throw new Error('user bug');
      },
      onTranscript: async () => Promise.reject(new Error('async user bug')),
      onCallEnd: (summary) => void ends.push(summary.reason),
    });
    const ws = await openStream(await inboundStreamUrl(server.handle));
    send(ws, { event: 'start', callId: 'CA1' });
    await waitFor(() => server!.handle.activeCalls === 1);
    server.sessions[0]!.emit('transcript', { role: 'user', text: 'hi', isFinal: true });
    await server.sessions[0]!.control.hangup();
    await server.sessions[0]!.control.hangup();
    await waitFor(() => ends.length === 1);
    expect(ends).toEqual(['agent_hangup']);
    expect(await closed(ws)).toBe(1000);
  });

  it('forwards transcripts and metrics with the call control', async () => {
    const seen: string[] = [];
    server = await startTestServer({
      onTranscript: (entry, control) => void seen.push(`${entry.role}:${entry.text}:${control.carrier}`),
      onMetrics: (metrics) => void seen.push(`turn ${metrics.turn}`),
    });
    const ws = await openStream(await inboundStreamUrl(server.handle));
    await waitFor(() => server!.sessions.length === 1);
    server.sessions[0]!.emit('transcript', { role: 'assistant', text: 'hello', isFinal: true });
    server.sessions[0]!.emit('metrics', { callId: 'CA1', turn: 1, interrupted: false, providers: {} });
    expect(seen).toEqual(['assistant:hello:fake', 'turn 1']);
    ws.close();
  });
});

describe('recording', () => {
  it('asks the transport to record each call and reports finished recordings', async () => {
    const recordings: unknown[] = [];
    server = await startTestServer({ recording: true, onRecording: (recording) => void recordings.push(recording) });
    const ws = await openStream(await inboundStreamUrl(server.handle));
    const received: string[] = [];
    ws.on('message', (data) => received.push(JSON.parse(String(data)).event));
    send(ws, { event: 'start', callId: 'CA9' });
    await waitFor(() => received.includes('record'));
    await post(
      `${server.handle.url}/fake/event`,
      JSON.stringify({ type: 'recording', callId: 'CA9', url: 'https://rec.example/RE1', durationSeconds: 12 }),
    );
    expect(recordings).toEqual([{ callId: 'CA9', url: 'https://rec.example/RE1', durationSeconds: 12 }]);
    expect(server.sessions[0]!.carrierEvents).toMatchObject([{ type: 'recording', callId: 'CA9' }]);
    ws.close();
  });
});

describe('graceful close', () => {
  it('stops accepting, lets calls finish, and resolves when they did', async () => {
    const ends: string[] = [];
    server = await startTestServer({ onCallEnd: (summary) => void ends.push(summary.reason) });
    const ws = await openStream(await inboundStreamUrl(server.handle));
    send(ws, { event: 'start', callId: 'CA1' });
    await waitFor(() => server!.handle.activeCalls === 1);
    const closing = server.handle.close({ timeoutMs: 60_000 });
    // Draining: the carrier is told no more calls; the running call goes on.
    expect(server.carrier.host?.acceptingCalls()).toBe(false);
    send(ws, { event: 'media', payload: 'AQID' });
    await waitFor(() => server!.sessions[0]!.audio.length === 1);
    const started = Date.now();
    setTimeout(() => send(ws, { event: 'stop' }), 100);
    await closing;
    expect(Date.now() - started).toBeLessThan(30_000); // far below the 60 s deadline: it did not wait for it
    expect(ends).toEqual(['caller_hangup']);
    expect(server.sessions[0]!.endCalls).toBe(0);
  });

  it('hangs up calls still running at the deadline with reason shutdown', async () => {
    const ends: string[] = [];
    server = await startTestServer({ onCallEnd: (summary) => void ends.push(summary.reason) });
    const ws = await openStream(await inboundStreamUrl(server.handle));
    const hangups: string[] = [];
    ws.on('message', (data) => hangups.push(JSON.parse(String(data)).event));
    send(ws, { event: 'start', callId: 'CA1' });
    await waitFor(() => server!.handle.activeCalls === 1);
    await server.handle.close({ timeoutMs: 100 });
    expect(ends).toEqual(['shutdown']);
    expect(hangups).toContain('hangup');
    await closed(ws);
    await expect(fetch(`${server.handle.url}/health`)).rejects.toThrow();
  });

  it('answers health 503, refuses new calls, and still takes webhooks for running calls while draining', async () => {
    server = await startTestServer();
    const ws = await openStream(await inboundStreamUrl(server.handle));
    send(ws, { event: 'start', callId: 'CA1' });
    await waitFor(() => server!.handle.activeCalls === 1);
    const url = await inboundStreamUrl(server.handle);
    const closing = server.handle.close({ timeoutMs: 2_000 });
    const health = await fetch(`${server.handle.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'draining', activeCalls: 1 });
    expect((await post(`${server.handle.url}/fake/voice`, '')).status).toBe(503);
    await expect(openStream(url)).rejects.toThrow('refused 503');
    await post(`${server.handle.url}/fake/event`, JSON.stringify({ type: 'status', callId: 'CA1', status: 'in-progress' }));
    expect(server.sessions[0]!.carrierEvents).toMatchObject([{ status: 'in-progress' }]);
    ws.close();
    await closing;
    expect(server.sessions).toHaveLength(1);
    await expect(fetch(`${server.handle.url}/health`)).rejects.toThrow();
  });
});

describe('phone.call()', () => {
  it('needs a running server', async () => {
    const phone = new Patter({ carrier: new FakeCarrier(), phoneNumber: '+15550001234', logger: silentLogger });
    await expect(phone.call({ to: '+15550009999' })).rejects.toThrow(/serve/);
  });

  it("binds the call to its own agent and variables, not the served agent's", async () => {
    server = await startTestServer();
    const outboundAgent = server.phone.agent({
      ...(inertAgentOptions as object),
      systemPrompt: 'outbound {name}',
      variables: { name: 'default', region: 'eu' },
    });
    const placed = await server.phone.call({
      to: '+15550009999',
      agent: outboundAgent,
      firstMessage: 'Hi {name}',
      variables: { name: 'Ada' },
      voicemailMessage: 'Call us back',
    });
    const request = server.carrier.placed[0]!;
    expect(request).toMatchObject({ to: '+15550009999', from: '+15550001234', callRef: placed.callRef, machineDetection: true });
    expect(request.streamUrl).toContain(`/fake/stream/${placed.callRef}/`);
    // An inbound call meanwhile still gets the served agent.
    const inbound = await openStream(await inboundStreamUrl(server.handle));
    // AMD arrives before the stream connects: held for the session.
    await post(`${server.handle.url}/fake/event`, JSON.stringify({ type: 'machineDetection', callId: placed.callId, result: 'human', greetingEnded: false }));
    const ws = await openStream(request.streamUrl);
    send(ws, { event: 'start', callId: placed.callId });
    await waitFor(() => server!.sessions.length === 2);
    const [inboundSession, outboundSession] = server.sessions as [NonNullable<TestServer['sessions'][0]>, NonNullable<TestServer['sessions'][0]>];
    expect(inboundSession.options.agent.systemPrompt).toBe('served');
    expect(inboundSession.options.overrides).toEqual({});
    expect(outboundSession.options.agent.systemPrompt).toBe('outbound {name}');
    expect(outboundSession.options.overrides).toEqual({
      machineDetection: true,
      variables: { name: 'Ada', region: 'eu' },
      firstMessage: 'Hi {name}',
      voicemailMessage: 'Call us back',
    });
    expect(server.carrier.accepted.map((context) => context.direction)).toEqual(['inbound', 'outbound']);
    expect(outboundSession.carrierEvents).toEqual([{ type: 'machineDetection', callId: placed.callId, result: 'human', greetingEnded: false }]);
    // Later AMD results reach that call's session (by call id), not the other one.
    await waitFor(() => server!.handle.activeCalls === 2);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await post(`${server.handle.url}/fake/event`, JSON.stringify({ type: 'machineDetection', callId: placed.callId, result: 'machine', greetingEnded: true }));
    await waitFor(() => outboundSession.carrierEvents.length === 2);
    expect(outboundSession.carrierEvents[1]).toMatchObject({ result: 'machine', greetingEnded: true });
    expect(inboundSession.carrierEvents).toEqual([]);
    ws.close();
    inbound.close();
  });

  it('reports an outbound call that was never answered through onCallEnd', async () => {
    const ends: CallEndSummary[] = [];
    server = await startTestServer({ onCallEnd: (summary) => void ends.push(summary) });
    const placed = await server.phone.call({ to: '+15550009999' });
    expect(server.carrier.placed[0]!.machineDetection).toBe(false);
    await post(`${server.handle.url}/fake/event`, JSON.stringify({ type: 'status', callId: placed.callId, status: 'no-answer' }));
    expect(ends).toMatchObject([{ callId: placed.callId, callRef: placed.callRef, reason: 'no-answer' }]);
    expect(await (await fetch(`${server.handle.url}/health`)).json()).toMatchObject({ activeCalls: 0, pendingCalls: 0 });
  });

  it('validates call options', async () => {
    server = await startTestServer();
    await expect(server.phone.call({ to: '555' })).rejects.toMatchObject({ option: 'to' });
    await expect(server.phone.call({ to: '+15550009999', variables: { n: 1 } as never })).rejects.toMatchObject({ option: 'variables' });
    await expect(server.phone.call({ to: '+15550009999', machineDetection: 'yes' as never })).rejects.toMatchObject({
      option: 'machineDetection',
    });
    expect(server.carrier.placed).toHaveLength(0);
  });
});
