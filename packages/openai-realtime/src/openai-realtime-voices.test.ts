import { ConfigError, MULAW_8K, ProviderAuthError, type EngineSession } from '@patter/core';
import { connectWebSocket } from '@patter/core/plugin';
import { FakeWebSocketServer, sessionUpdate, startFakeRealtime } from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAIRealtime, OpenAIRealtime2 } from './index.js';

// Voices and reasoning as protocols/openai.md a.2 lists them, against the strict GA fake: built-in
// voices `alloy ash ballad coral echo sage shimmer verse marin cedar` (no fable/nova/onyx);
// `reasoning` only for reasoning Realtime models (gpt-realtime-2*), efforts up to `xhigh`.

let fake: FakeWebSocketServer | undefined;
let session: EngineSession | undefined;
afterEach(async () => {
  await session?.close();
  await fake?.close();
  session = undefined;
  fake = undefined;
});

const connectOptions = { instructions: 'You are a booking agent.', tools: [], carrierFormat: MULAW_8K } as const;

describe('OpenAI Realtime voices and reasoning', () => {
  it.each(['marin', 'cedar'] as const)('OpenAIRealtime (gpt-realtime-mini) speaks with the GA voice %s', async (voice) => {
    fake = await startFakeRealtime();
    session = await new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1', voice }).connect(connectOptions);
    const update = await sessionUpdate(fake.connections[0]!);
    expect(update.session.audio.output.voice).toBe(voice);
  });

  it.each(['fable', 'nova', 'onyx'])('refuses %s (not a Realtime voice) at construction in both classes, naming voice', (voice) => {
    for (const make of [() => new OpenAIRealtime({ apiKey: 'k', voice: voice as 'alloy' }), () => new OpenAIRealtime2({ apiKey: 'k', voice: voice as 'alloy' })]) {
      expect(make).toThrow(ConfigError);
      expect(make).toThrow(/^voice: unknown voice/);
    }
  });

  it('the fake refuses a voice the API lacks with invalid_value on session.audio.output.voice', async () => {
    fake = await startFakeRealtime();
    const ws = await connectWebSocket(`${fake.url}/v1/realtime?model=gpt-realtime`, { provider: 'test', headers: { authorization: 'Bearer sk-test' } });
    const messages: { type: string; error?: { code: string; param: string } }[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data)) as never));
    ws.send(JSON.stringify({ type: 'session.update', session: { type: 'realtime', model: 'gpt-realtime', audio: { output: { voice: 'nova' } } } }));
    const deadline = Date.now() + 5000;
    while (!messages.some((m) => m.type === 'error') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    ws.close();
    expect(messages.find((m) => m.type === 'error')?.error).toMatchObject({ code: 'invalid_value', param: 'session.audio.output.voice' });
  });

  it('reasoningEffort on a model that is not a reasoning one fails at construction, naming reasoningEffort', () => {
    const make = () => new OpenAIRealtime({ apiKey: 'k', reasoningEffort: 'low' });
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(/^reasoningEffort: only reasoning Realtime models/);
    expect(() => new OpenAIRealtime2({ apiKey: 'k', model: 'gpt-realtime', reasoningEffort: 'high' })).toThrow(/^reasoningEffort:/);
  });

  it('OpenAIRealtime2 sends reasoning xhigh to gpt-realtime-2 and the session is agreed', async () => {
    fake = await startFakeRealtime();
    session = await new OpenAIRealtime2({ apiKey: 'sk-test', baseUrl: fake.httpUrl + '/v1', reasoningEffort: 'xhigh' }).connect(connectOptions);
    const update = await sessionUpdate(fake.connections[0]!);
    expect(update.session.reasoning).toEqual({ effort: 'xhigh' });
  });
});

describe('OpenAI Realtime refused key', () => {
  it('an error event with code invalid_api_key is a ProviderAuthError naming OPENAI_API_KEY', async () => {
    fake = await FakeWebSocketServer.start({
      onConnection: async (conn) => {
        await conn.waitForJson((m: { type: string }) => m.type === 'session.update');
        await conn.send({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.', param: null } });
      },
    });
    const error = await new OpenAIRealtime({ apiKey: 'sk-wrong', baseUrl: fake.httpUrl + '/v1', connectTimeoutMs: 5_000 }).connect(connectOptions).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect((error as Error).message).toMatch(/OPENAI_API_KEY/);
  });
});
