import { describe, expect, it } from 'vitest';
import { createCallSession } from './create-call-session.js';
import { FakeLLM, FakeSTT, FakeTransport, FakeTTS, settle, until } from './testing-fakes.js';

function outbound() {
  const transport = new FakeTransport();
  const stt = new FakeSTT();
  const tts = new FakeTTS();
  const session = createCallSession({
    transport,
    agent: {
      stt,
      tts,
      llm: new FakeLLM([]),
      firstMessage: 'Hi {name}, this is Acme.',
      voicemailMessage: 'Hi {name}, please call Acme back.',
    },
    overrides: { machineDetection: true, variables: { name: 'Bob' } },
  });
  return { transport, stt, tts, session };
}

describe('outbound answering-machine detection', () => {
  it('machine: waits for the greeting to end, leaves the voicemail in the agent voice, hangs up after it played', async () => {
    const { transport, stt, tts, session } = outbound();
    transport.start({ ...transport.info, callId: 'CA9', callRef: 'r9', carrier: 'fake', direction: 'outbound', parameters: {} });
    await settle();
    expect(tts.requests).toHaveLength(0);
    session.handleCarrierEvent({ type: 'machineDetection', callId: 'CA9', result: 'machine', greetingEnded: false });
    await settle();
    expect(tts.requests).toHaveLength(0);
    session.handleCarrierEvent({ type: 'machineDetection', callId: 'CA9', result: 'machine', greetingEnded: true });
    await until(() => transport.count('mark') === 1);
    expect(tts.requests.map((r) => r.text)).toEqual(['Hi Bob, please call Acme back.']);
    expect(stt.streams).toHaveLength(0);
    await settle();
    expect(transport.count('hangup')).toBe(0);
    transport.playAll();
    const summary = await session.ended;
    expect(summary.reason).toBe('voicemail');
    expect(transport.count('hangup')).toBe(1);
  });

  it('human: starts the conversation with the first message', async () => {
    const { transport, stt, tts, session } = outbound();
    session.handleCarrierEvent({ type: 'machineDetection', callId: 'CA123', result: 'human', greetingEnded: false });
    transport.start();
    await until(() => tts.requests.length === 1);
    expect(tts.requests[0]?.text).toBe('Hi Bob, this is Acme.');
    expect(stt.streams).toHaveLength(1);
    await session.end('agent_hangup');
  });
});
