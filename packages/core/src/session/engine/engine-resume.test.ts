import { describe, expect, it } from 'vitest';
import type { EngineConnectOptions, EngineSession } from '../../engine/engine.js';
import { createCallSession } from '../create-call-session.js';
import { ProviderError } from '../../errors/provider-error.js';
import { FakeTransport, until } from '../testing-fakes.js';
import { FakeEngine, frame } from './fake-engine.js';

describe('engine bridge: resuming a dropped session', () => {
  /** A resumable engine; `refuse` makes every later connect fail with that error. */
  class ResumableEngine extends FakeEngine {
    readonly resumable = true;
    refuse: ProviderError | undefined;
    override async connect(options: EngineConnectOptions): Promise<EngineSession> {
      if (this.refuse) {
        this.connects.push(options);
        throw this.refuse;
      }
      return super.connect(options);
    }
  }
  const sentBytes = (transport: FakeTransport) => transport.audio.reduce((n, a) => n + a.byteLength, 0);
  const dropped = (retryable: boolean) => ({ type: 'error', error: new ProviderError('fake_engine', 'socket dropped', { retryable }), fatal: true }) as const;

  it('reconnects a session that dropped (retryable) with the conversation so far, not the greeting again; the call goes on', async () => {
    const transport = new FakeTransport();
    const engine = new ResumableEngine();
    const session = createCallSession({ transport, agent: { engine, firstMessage: 'Welcome.' } });
    transport.start();
    await until(() => engine.sessions.length === 1);
    const first = engine.sessions[0]!;
    expect(engine.connects[0]!.firstMessage).toBe('Welcome.');
    first.emit({ type: 'transcript', role: 'user', text: 'A table for two.', isFinal: true });
    first.emit({ type: 'transcript', role: 'assistant', text: 'For when?', isFinal: true });
    first.emit({ type: 'audio', data: frame(9, 800) });
    first.emit({ type: 'responseDone' });
    await until(() => sentBytes(transport) === 800);
    transport.playAll();
    // A reply under way when the socket drops: its text is still given to the new session.
    first.emit({ type: 'transcript', role: 'user', text: 'Friday.', isFinal: true });
    first.emit({ type: 'transcript', role: 'assistant', text: 'Friday works.', isFinal: true });
    first.emit({ type: 'audio', data: frame(9, 800) });
    await until(() => sentBytes(transport) === 1600);
    first.emit(dropped(true));
    void first.close(); // the vendor's socket is gone: its events end
    await until(() => engine.sessions.length === 2);
    expect(engine.connects[1]!.firstMessage).toBeUndefined();
    expect(engine.connects[1]!.history).toEqual([
      { role: 'user', text: 'A table for two.' },
      { role: 'assistant', text: 'For when?' },
      { role: 'user', text: 'Friday.' },
      { role: 'assistant', text: 'Friday works.' },
    ]);
    // Caller audio reaches the new session; its replies play.
    transport.hear(frame(1));
    await until(() => engine.sessions[1]!.audio.length === 1);
    engine.sessions[1]!.emit({ type: 'audio', data: frame(7, 800) });
    await until(() => sentBytes(transport) === 2400);
    expect(transport.count('hangup')).toBe(0);
    transport.stop('caller_hangup');
    expect((await session.ended).reason).toBe('caller_hangup');
    expect(engine.sessions[1]!.closed).toBe(true);
  });

  it('ends the call (reason error) when the drop is not retryable, or when reconnecting fails', async () => {
    for (const refuse of [undefined, new ProviderError('fake_engine', 'bad key', { retryable: false })]) {
      const transport = new FakeTransport();
      const engine = new ResumableEngine();
      const session = createCallSession({ transport, agent: { engine } });
      transport.start();
      await until(() => engine.sessions.length === 1);
      engine.refuse = refuse;
      engine.sessions[0]!.emit(dropped(refuse !== undefined));
      void engine.sessions[0]!.close();
      expect((await session.ended).reason).toBe('error');
      expect(engine.connects).toHaveLength(refuse ? 2 : 1);
      expect(transport.count('hangup')).toBe(1);
    }
  });
});
