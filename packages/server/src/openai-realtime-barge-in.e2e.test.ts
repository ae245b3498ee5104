import { OpenAIRealtime } from '@patter/openai-realtime';
import { audioDelta, beginResponse, realtimeState, sendAudioDelta, sendInOneRead, sessionUpdate } from '@patter/testing';
import { describe, expect, it } from 'vitest';
import { playedByCarrier } from './test-support/engine-server.js';
import { frames, openAIRealtimeHarness, speak, tone } from './test-support/openai-realtime-harness.js';
import { waitFor } from './test-support/test-server.js';

// A Twilio call through the real server and the real OpenAI Realtime engines, against the
// strict loopback fake of OpenAI's GA Realtime endpoint: barge-in
// (carrier clear, response.cancel, truncation to what was played) and the audio it must drop.

const h = openAIRealtimeHarness();

describe('OpenAIRealtime over a Twilio call', () => {
  it('barge-in: speech_started while the agent talks → carrier clear, response.cancel, truncate to the played ms', async () => {
    const fake = await h.startFake();
    const { call: phone, conn } = await h.call({ engine: new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }) });
    await sessionUpdate(conn);
    // 2 s of speech, fully generated (response.done) long before it has played.
    await speak(conn, tone(2000), 'long', 4800);
    await waitFor(() => phone.receivedMs() >= 400, 3_000);
    await conn.send({ type: 'input_audio_buffer.speech_started', audio_start_ms: 900, item_id: 'item_user_2' });
    await waitFor(() => phone.clears.items.length === 1, 2_000);
    const played = playedByCarrier(phone.media.items, phone.clears.items[0]!);
    const truncate = await conn.waitForJson<{ type: string; item_id: string; content_index: number; audio_end_ms: number }>(
      (m) => m.type === 'conversation.item.truncate',
    );
    expect(truncate).toMatchObject({ item_id: 'item_long', content_index: 0 });
    // The server's estimate and the simulator's (at the clear's arrival) differ by the clear's transit, long on a loaded machine.
    expect(Math.abs(truncate.audio_end_ms - played)).toBeLessThanOrEqual(120);
    expect(truncate.audio_end_ms).toBeGreaterThan(200);
    const sent = conn.jsonMessages<{ type: string }>().map((m) => m.type);
    expect(sent.indexOf('response.cancel')).toBeGreaterThan(-1);
    expect(sent.indexOf('response.cancel')).toBeLessThan(sent.indexOf('conversation.item.truncate'));
    // The server accepted the truncation (within the generated audio); the reply had been fully
    // generated, so the cancel only met the harmless response_cancel_not_active.
    await waitFor(() => realtimeState(conn).truncated.has('item_long'));
    expect(realtimeState(conn).errors).toEqual(['response_cancel_not_active']);
    const framesAtClear = phone.media.items.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(phone.media.items.length - framesAtClear).toBeLessThanOrEqual(1);
    expect(phone.violations).toEqual([]);
  });
});

describe('OpenAIRealtime: ending, transferring and barge-in timing', () => {
  it('deltas of the interrupted response parsed in the same socket read as speech_started never reach the carrier; the transcript keeps the heard part', async () => {
    const fake = await h.startFake();
    const { call: phone, conn, server: s } = await h.call({ engine: new OpenAIRealtime({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }) });
    await sessionUpdate(conn);
    const text = 'Sure, we have a table at eight tonight for you.';
    // 1 s of the reply generated so far; the caller hears about 300 ms of it (the carrier has been
    // sent up to leadMs + messageMs, ~200 ms, more than it played).
    await beginResponse(conn, 'resp_1', 'item_1');
    for (const delta of frames(tone(1000), 4800)) await sendAudioDelta(conn, 'resp_1', 'item_1', delta);
    await waitFor(() => phone.receivedMs() >= 500, 3_000);
    // The caller speaks: the server had more audio of the response ready, in the same read.
    sendInOneRead(conn, [
      { type: 'input_audio_buffer.speech_started', audio_start_ms: 1200, item_id: 'item_user_1' },
      ...frames(tone(300), 4800).map((delta) => audioDelta(conn, 'resp_1', 'item_1', delta)),
      { type: 'response.output_audio_transcript.done', response_id: 'resp_1', item_id: 'item_1', transcript: text },
    ]);
    await waitFor(() => phone.clears.items.length === 1, 2_000);
    const clearedAt = phone.clears.items[0]!;
    const played = playedByCarrier(phone.media.items, clearedAt);
    await conn.waitForJson((m: { type: string }) => m.type === 'conversation.item.truncate');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(phone.media.items.filter((f) => f.at > clearedAt)).toEqual([]);
    await waitFor(() => s.transcripts.some((t) => t.isFinal && t.role === 'assistant'), 2_000);
    await phone.stop();
    await waitFor(() => s.ends.length === 1);
    const heard = s.ends[0]!.transcript.filter((t) => t.role === 'assistant').map((t) => t.text);
    expect(heard).toHaveLength(1);
    expect(text.startsWith(heard[0]!)).toBe(true);
    // About the played share of the 1 s sent (words are cut whole): far from the whole reply.
    const expectedChars = (text.length * played) / 1000;
    expect(heard[0]!.length).toBeLessThanOrEqual(expectedChars + 8);
    expect(heard[0]!.length).toBeLessThan(text.length);
    expect(phone.violations).toEqual([]);
  });
});
