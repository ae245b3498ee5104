import { defineTool, MULAW_8K, PCM16_16K, type AudioFormat } from '@patter/core';
import { createAudioConverter } from '@patter/core/plugin';
import { ElevenLabsConvAI } from '@patter/elevenlabs';
import { loadFixture, pcmToBytes, sendConvAIAudio, sineWave, startFakeConvAI, type FakeConvAI, type TwilioSimulatedCall } from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { playoutEnd, startEngineServer, toolTimedOut, type EngineServer } from './test-support/engine-server.js';
import { waitFor } from './test-support/test-server.js';

// A Twilio call through the real server and the real ElevenLabs Conversational AI engine,
// against the strict loopback fake of the ConvAI signed-URL + conversation socket protocol.

let fake: FakeConvAI | undefined;
let server: EngineServer | undefined;
afterEach(async () => {
  await server?.close();
  await fake?.close();
  server = fake = undefined;
});

const CALLER = loadFixture('book-a-table', 'mulaw-8k').bytes.subarray(0, 160 * 25);

function converted(from: AudioFormat, to: AudioFormat, chunks: readonly Uint8Array[]): Uint8Array {
  const converter = createAudioConverter(from, to);
  return new Uint8Array(Buffer.concat(chunks.map((chunk) => Buffer.from(converter.convert(chunk)))));
}
const frames = (audio: Uint8Array, size: number) =>
  Array.from({ length: Math.ceil(audio.byteLength / size) }, (_, i) => audio.subarray(i * size, (i + 1) * size));

async function call(format: 'ulaw_8000' | 'pcm_16000', extra: Parameters<typeof startEngineServer>[0] = {}) {
  fake = await startFakeConvAI({ format });
  server = await startEngineServer({
    engine: new ElevenLabsConvAI({ apiKey: 'test-key', agentId: 'agent_test', voice: 'voice_luigi', baseUrl: fake.baseUrl }),
    systemPrompt: 'You take bookings for {place}.',
    firstMessage: 'Welcome to {place}.',
    variables: { place: 'Luigi' },
    ...extra,
  });
  const phone: TwilioSimulatedCall = await server.simulator.inboundCall({ from: '+14155550100' });
  await waitFor(() => fake!.conversations.length === 1);
  return { phone, conversation: fake.conversations[0]!, server };
}

describe('ElevenLabsConvAI over a Twilio call', () => {
  it('ulaw_8000: initiation overrides, ping/pong, μ-law both ways untouched, interruption clears, a client tool call', async () => {
    const booked: unknown[] = [];
    const { phone, conversation, server: s } = await call('ulaw_8000', {
      tools: [
        defineTool<{ party: number }>({
          name: 'book_table',
          description: 'Book a table',
          parameters: { type: 'object', properties: { party: { type: 'integer' } }, required: ['party'] },
          handler: (args) => {
            booked.push(args);
            return { ref: 'B-9' };
          },
        }),
      ],
    });
    expect(fake!.rest.requests[0]!.query.get('agent_id')).toBe('agent_test');
    expect(conversation.initiation).toEqual({
      type: 'conversation_initiation_client_data',
      conversation_config_override: {
        agent: { prompt: { prompt: 'You take bookings for Luigi.' }, first_message: 'Welcome to Luigi.' },
        tts: { voice_id: 'voice_luigi' },
      },
      dynamic_variables: { place: 'Luigi' },
    });

    await conversation.conn.send({ type: 'ping', ping_event: { event_id: 7, ping_ms: null } });
    await waitFor(() => conversation.pongs.includes(7));

    await phone.sendAudio(CALLER, { realtime: false });
    await waitFor(() => Buffer.concat(conversation.audio).byteLength >= CALLER.byteLength);
    expect(Buffer.concat(conversation.audio)).toEqual(Buffer.from(CALLER));

    const reply = new Uint8Array(8000).map((_, i) => (i * 13) % 251); // 1 s of μ-law
    const turn = conversation.nextEventId++;
    for (const chunk of frames(reply, 1600)) await sendConvAIAudio(conversation, chunk, turn);
    await waitFor(() => phone.receivedMs() >= 200, 3_000);
    expect(phone.media.items.every((f) => f.bytes % 160 === 0)).toBe(true);
    expect(Buffer.from(phone.receivedAudio())).toEqual(Buffer.from(reply.subarray(0, phone.receivedAudio().byteLength)));

    await conversation.conn.send({ type: 'interruption', interruption_event: { event_id: conversation.nextEventId++ } });
    await waitFor(() => phone.clears.items.length === 1, 2_000);
    const framesAtClear = phone.media.items.length;
    await sendConvAIAudio(conversation, reply.subarray(0, 800), turn); // late audio of the interrupted turn: dropped
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(phone.media.items.length - framesAtClear).toBeLessThanOrEqual(1);
    expect(phone.receivedMs()).toBeLessThan(800);
    // The agent's next reply (a later event id) plays again.
    const next = new Uint8Array(800).fill(0x55);
    await sendConvAIAudio(conversation, next, conversation.nextEventId++);
    await waitFor(() => phone.receivedAudio().subarray(-160).every((b) => b === 0x55), 2_000);

    await conversation.conn.send({
      type: 'client_tool_call',
      client_tool_call: { tool_name: 'book_table', tool_call_id: 'tc_1', parameters: { party: 4 }, event_id: conversation.nextEventId++ },
    });
    await waitFor(() => conversation.toolResults.length === 1);
    expect(conversation.toolResults[0]).toEqual({ tool_call_id: 'tc_1', result: '{"ref":"B-9"}', is_error: false });
    expect(booked).toEqual([{ party: 4 }]);

    await conversation.conn.send({ type: 'user_transcript', user_transcription_event: { user_transcript: 'A table for four.', event_id: 9 } });
    await conversation.conn.send({ type: 'agent_response', agent_response_event: { agent_response: 'Booked, see you tonight.', event_id: 10 } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await phone.stop();
    await waitFor(() => s.ends.length === 1);
    expect(s.ends[0]?.reason).toBe('caller_hangup');
    expect(s.ends[0]!.transcript.map((t) => `${t.role}: ${t.text}`)).toEqual(['user: A table for four.', 'assistant: Booked, see you tonight.']);
    // The connection stayed valid for the vendor: nothing made it close with 1008.
    expect(conversation.conn.closeInfo?.code).not.toBe(1008);
    expect(phone.violations).toEqual([]);
  });

  it('pcm_16000: caller μ-law 8 kHz → PCM16 16 kHz, agent PCM16 16 kHz → 160-byte μ-law frames', async () => {
    const { phone, conversation } = await call('pcm_16000');
    await phone.sendAudio(CALLER, { realtime: false });
    const expectedIn = converted(MULAW_8K, PCM16_16K, frames(CALLER, 160));
    await waitFor(() => Buffer.concat(conversation.audio).byteLength >= expectedIn.byteLength);
    expect(Buffer.concat(conversation.audio)).toEqual(Buffer.from(expectedIn));

    const reply = pcmToBytes(sineWave({ durationMs: 800, sampleRate: 16_000, frequency: 300 }));
    const chunks = frames(reply, 3200);
    const turn = conversation.nextEventId++;
    for (const chunk of chunks) await sendConvAIAudio(conversation, chunk, turn);
    const expectedOut = converted(PCM16_16K, MULAW_8K, chunks);
    const whole = expectedOut.byteLength - (expectedOut.byteLength % 160);
    await waitFor(() => phone.receivedAudio().byteLength >= whole, 3_000);
    expect(phone.media.items.every((f) => f.bytes % 160 === 0)).toBe(true);
    expect(Buffer.from(phone.receivedAudio().subarray(0, whole))).toEqual(Buffer.from(expectedOut.subarray(0, whole)));
    // Paced at real time (a few frames sent ahead), not flushed as fast as the agent sent it.
    const media = phone.media.items;
    const spanMs = media.at(-1)!.at - media[0]!.at;
    expect(spanMs).toBeGreaterThan((media.length - 1) * 20 * 0.5); // wide bounds: a loaded machine stalls and catches up
    expect(spanMs).toBeLessThan((media.length - 1) * 20 + 1000);
    expect(phone.violations).toEqual([]);
    await phone.stop();
  });

  it('a socket drop mid-call ends the call with reason error and a log line', async () => {
    const { phone, conversation, server: s } = await call('ulaw_8000');
    await phone.sendAudio(CALLER.subarray(0, 800), { realtime: false });
    await waitFor(() => conversation.audio.length > 0);
    await conversation.conn.close(1011, 'internal error');
    await waitFor(() => s.ends.length === 1, 3_000);
    expect(s.ends[0]?.reason).toBe('error');
    expect(s.logs.some((l) => l.msg === 'elevenlabs convai socket closed by the server' && l.code === 1011)).toBe(true);
    expect(s.logs.some((l) => l.msg === 'engine reported an error')).toBe(true);
  });

  it('a fatal error event mid-call ends the call with reason error and a log line', async () => {
    const { phone, conversation, server: s } = await call('ulaw_8000');
    await phone.sendAudio(CALLER.subarray(0, 800), { realtime: false });
    await waitFor(() => conversation.audio.length > 0);
    await conversation.conn.send({ type: 'error', error_event: { code: 1011, error_type: 'internal_error', message: 'LLM failed' } });
    await waitFor(() => s.ends.length === 1, 3_000);
    expect(s.ends[0]?.reason).toBe('error');
    expect(s.logs.some((l) => l.msg === 'engine reported an error' && (l.err as { message?: string })?.message?.includes('LLM failed'))).toBe(true);
    await conversation.conn.closed;
  });

  /** The agent says `text` (its `agent_response` first, then its audio, as ConvAI does); returns the audio sent. */
  async function agentSays(conversation: Awaited<ReturnType<typeof call>>['conversation'], text: string, audioMs: number) {
    const turn = conversation.nextEventId++;
    await conversation.conn.send({ type: 'agent_response', agent_response_event: { agent_response: text, event_id: turn } });
    const audio = new Uint8Array(audioMs * 8).map((_, i) => 0x10 + (i % 7));
    for (const chunk of frames(audio, 1600)) await sendConvAIAudio(conversation, chunk, turn);
    return audio;
  }


  it('end_call after the goodbye: the call ends (agent_hangup) within its playout + 1 s, no tool timeout, the socket closes with 1000', async () => {
    const { phone, conversation, server: s } = await call('ulaw_8000');
    s.api.addCall(phone.callSid);
    const goodbye = await agentSays(conversation, 'Thanks for calling, goodbye!', 1500);
    await conversation.conn.send({
      type: 'client_tool_call',
      client_tool_call: { tool_name: 'end_call', tool_call_id: 'tc_end', parameters: {}, event_id: conversation.nextEventId++ },
    });
    const update = await s.api.updates.next(40_000);
    const hungUpAt = performance.now();
    expect(update.form.get('Status')).toBe('completed');
    // The whole goodbye reached the carrier and had played before the hang-up, which came at most 1 s later.
    expect(phone.receivedAudio().byteLength).toBe(goodbye.byteLength);
    const played = playoutEnd(phone.media.items);
    expect(hungUpAt).toBeGreaterThanOrEqual(played - 50);
    expect(hungUpAt - played).toBeLessThan(1000);
    await waitFor(() => s.ends.length === 1, 5_000);
    expect(s.ends[0]?.reason).toBe('agent_hangup');
    expect(s.ends[0]!.transcript.map((t) => `${t.role}: ${t.text}`)).toEqual(['assistant: Thanks for calling, goodbye!']);
    expect(toolTimedOut(s.logs)).toBe(false);
    // A proper close frame at the call's end, from our side.
    const closed = await conversation.conn.closed;
    expect(closed).toMatchObject({ code: 1000, byServer: false });
    expect(phone.violations).toEqual([]);
  });

  it('transfer_call after "transferring you": Twilio gets the <Dial> within the playout + 1 s, reason transfer, no tool timeout', async () => {
    const { phone, conversation, server: s } = await call('ulaw_8000', { transferAllowlist: ['+1415555*'] });
    s.api.addCall(phone.callSid);
    const words = await agentSays(conversation, 'One moment, transferring you.', 1200);
    await conversation.conn.send({
      type: 'client_tool_call',
      client_tool_call: { tool_name: 'transfer_call', tool_call_id: 'tc_tr', parameters: { number: '+14155550000' }, event_id: conversation.nextEventId++ },
    });
    const update = await s.api.updates.next(40_000);
    const transferredAt = performance.now();
    expect(update.form.get('Twiml')).toMatch(/<Dial[^>]*>\s*(<Number>)?\+14155550000(<\/Number>)?\s*<\/Dial>/);
    expect(phone.receivedAudio().byteLength).toBe(words.byteLength);
    const played = playoutEnd(phone.media.items);
    expect(transferredAt).toBeGreaterThanOrEqual(played - 50);
    expect(transferredAt - played).toBeLessThan(1000);
    await waitFor(() => s.ends.length === 1, 5_000);
    expect(s.ends[0]?.reason).toBe('transfer');
    expect(toolTimedOut(s.logs)).toBe(false);
    expect((await conversation.conn.closed).code).toBe(1000);
  });

  it('reports the greeting once heard, not at its agent_response; a barge-in keeps only the heard share', async () => {
    const { phone, conversation, server: s } = await call('ulaw_8000');
    // The greeting: its text comes first, then 1 s of audio.
    await agentSays(conversation, 'Welcome to Luigi.', 1000);
    await waitFor(() => phone.receivedMs() === 1000, 5_000);
    const heardAt = playoutEnd(phone.media.items);
    await waitFor(() => s.transcripts.some((t) => t.isFinal && t.role === 'assistant'), 5_000);
    const greeting = s.transcripts.find((t) => t.isFinal && t.role === 'assistant')!;
    expect(greeting.text).toBe('Welcome to Luigi.');
    expect(greeting.at).toBeGreaterThanOrEqual(heardAt - 50);

    // A long reply the caller cuts short: ConvAI detects it (interruption), the carrier is cleared,
    // and only the share played by then is reported.
    const text = 'one two three four five six seven eight nine ten';
    await agentSays(conversation, text, 2000);
    await waitFor(() => phone.receivedMs() >= 1500, 5_000); // 1 s of greeting + 0.5 s of this reply
    await conversation.conn.send({ type: 'interruption', interruption_event: { event_id: conversation.nextEventId++ } });
    await waitFor(() => phone.clears.items.length === 1, 2_000);
    await waitFor(() => s.transcripts.filter((t) => t.isFinal && t.role === 'assistant').length === 2, 2_000);
    const cut = s.transcripts.filter((t) => t.isFinal && t.role === 'assistant')[1]!.text;
    expect(text.startsWith(cut)).toBe(true);
    expect(cut.length).toBeGreaterThan(0);
    expect(cut.length).toBeLessThan(text.length * 0.75); // about a quarter played (wide: a loaded machine delays the interruption)
    // The vendor's own correction, computed from the audio it sent, does not override the marks.
    await conversation.conn.send({
      type: 'agent_response_correction',
      agent_response_correction_event: { original_agent_response: text, corrected_agent_response: 'one two three four five six seven', event_id: conversation.nextEventId++ },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await phone.stop();
    await waitFor(() => s.ends.length === 1);
    expect(s.ends[0]!.transcript.map((t) => t.text)).toEqual(['Welcome to Luigi.', cut]);
    expect((await conversation.conn.closed).code).toBe(1000);
  });
});
