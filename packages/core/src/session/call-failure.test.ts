import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import { ProviderAuthError, ProviderConnectionError } from '../errors/provider-error.js';
import type { CallEndReason } from '../carrier/call-transport.js';
import type { Engine } from '../engine/engine.js';
import { silentLogger } from '../log/logger.js';
import { describeCallFailure, type CallFailure } from './call-failure.js';
import { createCallSession } from './create-call-session.js';
import { FakeLLM, FakeSTT, FakeTransport, FakeTTS, until } from './testing-fakes.js';

describe('describeCallFailure', () => {
  it('names the provider and keeps its message, without the prefix', () => {
    expect(describeCallFailure(new ProviderConnectionError('deepgram', 'could not connect: getaddrinfo ENOTFOUND api.deepgram.example'))).toEqual({
      provider: 'deepgram',
      message: 'could not connect: getaddrinfo ENOTFOUND api.deepgram.example',
    });
    expect(describeCallFailure(new ProviderAuthError('openai_realtime', 401, 'OPENAI_API_KEY'))).toEqual({
      provider: 'openai_realtime',
      message: 'authentication failed; check OPENAI_API_KEY or the apiKey option (HTTP 401)',
    });
  });

  it('removes secrets a message might carry', () => {
    const key = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';
    const failure = describeCallFailure(
      new ProviderConnectionError(
        'assemblyai',
        `could not connect to wss://user:pw@streaming.example/v3/ws?token=${key}&sample_rate=8000 (Authorization: Bearer ${key}, api_key=${key}) ${key}`,
      ),
    );
    expect(failure.provider).toBe('assemblyai');
    expect(failure.message).not.toMatch(/abcdefghijklmnop|pw@|user:/);
    expect(failure.message).toContain('wss://streaming.example/v3/ws');
  });

  it('says no more than "unexpected" for errors that are not ours, and caps the length', () => {
    expect(describeCallFailure(new Error('db password is hunter2'))).toEqual({ message: 'unexpected error (details in the server log)' });
    expect(describeCallFailure(new ConfigError('stt', 'x '.repeat(400))).message.length).toBeLessThanOrEqual(300);
  });
});

describe('a failing call', () => {
  it('an engine that cannot connect ends the call with reason error, the failure in the summary and handed to the transport', async () => {
    const transport = new ClosingTransport();
    const engine: Engine = {
      key: 'openai_realtime',
      connect: async () => {
        throw new ProviderConnectionError('openai_realtime', 'could not connect: getaddrinfo ENOTFOUND api.openai.example');
      },
    };
    const session = createCallSession({ transport, agent: { engine }, logger: silentLogger });
    transport.start();
    const summary = await session.ended;
    expect(summary.reason).toBe('error');
    expect(summary.error).toEqual({ provider: 'openai_realtime', message: 'could not connect: getaddrinfo ENOTFOUND api.openai.example' });
    expect(transport.closed).toEqual({ reason: 'error', failure: summary.error });
  });

  it('a speech-to-text stream that fails (a bad key) does the same, naming the STT', async () => {
    const transport = new ClosingTransport();
    const stt = new FakeSTT();
    const session = createCallSession({ transport, agent: { stt, llm: new FakeLLM([]), tts: new FakeTTS() }, logger: silentLogger });
    transport.start();
    await until(() => stt.streams.length === 1);
    stt.last.queue.fail(new ProviderAuthError('fake_stt', 401, 'FAKE_STT_KEY'));
    const summary = await session.ended;
    expect(summary).toMatchObject({ reason: 'error', error: { provider: 'fake_stt', message: 'authentication failed; check FAKE_STT_KEY or the apiKey option (HTTP 401)' } });
    expect(transport.closed?.failure).toEqual(summary.error);
  });

  it('a call that ends normally has no error', async () => {
    const transport = new ClosingTransport();
    const session = createCallSession({ transport, agent: { stt: new FakeSTT(), llm: new FakeLLM([]), tts: new FakeTTS() }, logger: silentLogger });
    transport.start();
    await session.end('agent_hangup');
    expect((await session.ended).error).toBeUndefined();
    expect(transport.closed).toEqual({ reason: 'agent_hangup', failure: undefined });
  });
});

/** Records what the session closed it with. */
class ClosingTransport extends FakeTransport {
  closed: { reason: CallEndReason | undefined; failure: CallFailure | undefined } | undefined;
  override close(reason?: CallEndReason, failure?: CallFailure): void {
    this.closed = { reason, failure };
    super.close(reason);
  }
}
