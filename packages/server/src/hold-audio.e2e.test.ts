import { CartesiaTTS } from '@patter/cartesia';
import { silentLogger, type AgentOptions, type CallEndSummary, type HoldAudioOptions } from '@patter/core';
import { DeepgramSTT } from '@patter/deepgram';
import { OpenAILLM } from '@patter/openai';
import { FakeTwilioApi, FIXTURE_TEXTS, loadFixture, TwilioSimulator } from '@patter/testing';
import { Twilio } from '@patter/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { Patter } from './patter.js';
import { waitFor } from './test-support/test-server.js';
import { fakeCartesia, fakeDeepgram, fakeOpenAIChat, VENDOR_KEYS } from './test-support/telemetry-vendor-fakes.js';
import { timerCensus } from './test-support/timer-census.js';

// Hold audio in a pipeline call through the real server, Twilio simulator and real plugins
// against their loopback fakes: the LLM calls a tool that takes 2 s; the agent's TTS audio is
// all 0x2a bytes (the fake), μ-law silence is 0xff/0x7f, anything else is the hold sound.

const ACCOUNT_SID = 'AC' + 'e5'.repeat(16);
const AUTH_TOKEN = 'twilio-auth-token-for-hold-audio-tests';
const REPLY = 'Booked for Monday.';
const TOOL_MS = 2_000;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  timerCensus.uninstall();
  for (const close of closers.splice(0).reverse()) await close();
});

const isSpeech = (byte: number): boolean => byte === 0x2a;
const isSilence = (byte: number): boolean => byte === 0xff || byte === 0x7f;

async function holdCall(holdAudio: boolean | HoldAudioOptions | undefined, spoken = REPLY) {
  const fakes = await Promise.all([fakeDeepgram([FIXTURE_TEXTS['book-a-table']]), fakeOpenAIChat(REPLY, 'book_table'), fakeCartesia()]);
  for (const fake of fakes) closers.push(() => fake.close());
  const [deepgram, openai, cartesia] = fakes;
  const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
  closers.push(() => api.close());
  const ends: CallEndSummary[] = [];
  const toolRuns: number[] = [];
  const phone = new Patter({
    carrier: new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }),
    phoneNumber: '+14155550199',
    logger: silentLogger,
  });
  const options: AgentOptions = {
    stt: new DeepgramSTT({ apiKey: VENDOR_KEYS.deepgram, baseUrl: deepgram.url }),
    llm: new OpenAILLM({ apiKey: VENDOR_KEYS.openai, baseUrl: openai.url }),
    tts: new CartesiaTTS({ apiKey: VENDOR_KEYS.cartesia, baseUrl: cartesia.url }),
    tools: [
      {
        name: 'book_table',
        description: 'Book a table',
        parameters: { type: 'object', properties: { day: { type: 'string' } }, required: ['day'] },
        handler: async (_args: unknown, ctx) => {
          toolRuns.push(Date.now());
          await new Promise((resolve) => setTimeout(resolve, TOOL_MS));
          return ctx.signal.aborted ? { ok: false } : { ok: true };
        },
      },
    ],
    ...(holdAudio === undefined ? {} : { holdAudio }),
  };
  const handle = await phone.serve({
    agent: phone.agent(options), port: 0, host: '127.0.0.1', shutdownSignals: false, onCallEnd: (summary) => void ends.push(summary),
  });
  closers.push(() => handle.close({ timeoutMs: 0 }));
  const simulator = new TwilioSimulator({ serverUrl: handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
  timerCensus.install();
  const call = await simulator.inboundCall();
  await call.sendAudio(loadFixture('book-a-table', 'mulaw-8k').bytes);
  // The reply is on the line once all of its audio arrived and its mark came back.
  await waitFor(() => call.receivedAudio().filter(isSpeech).length >= spoken.length * 80 && call.marks.items.length >= 1, 15_000);
  return { call, ends, toolRuns };
}

describe('hold audio while a slow tool runs (pipeline, Twilio)', () => {
  it('plays the built-in tone after afterMs, stops it when the reply starts, nothing of it after', async () => {
    const { call, ends } = await holdCall({ afterMs: 300 });
    const audio = call.receivedAudio();
    const firstHold = audio.findIndex((byte) => !isSpeech(byte) && !isSilence(byte));
    const firstReply = audio.findIndex(isSpeech);
    expect(firstHold).toBeGreaterThanOrEqual(0);
    expect(firstReply).toBeGreaterThan(firstHold);
    const hold = audio.subarray(firstHold, firstReply);
    // About 1.7 s of hold (the tool's 2 s less afterMs); a generous floor of 0.8 s for a loaded machine.
    expect(hold.length).toBeGreaterThan(8 * 800);
    expect(hold.filter((byte) => !isSilence(byte)).length).toBeGreaterThan(8 * 250);
    expect(hold.some(isSpeech)).toBe(false);
    // From the reply's first byte on: the reply and silence only, the whole reply.
    const after = audio.subarray(firstReply);
    expect(after.every((byte) => isSpeech(byte) || isSilence(byte))).toBe(true);
    expect(after.filter(isSpeech).length).toBe(REPLY.length * 80);
    await call.stop();
    await waitFor(() => ends.length === 1, 5_000);
    // The hold player's timer is gone with the call.
    for (let i = 0; i < 150 && timerCensus.live > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(timerCensus.live).toBe(0);
  });

  it("sound 'filler': the agent's TTS says the filler once during the tool, then the reply; no tone", async () => {
    const { call } = await holdCall({ afterMs: 300, sound: 'filler', fillerText: 'One moment.' }, `One moment.${REPLY}`);
    const audio = call.receivedAudio();
    expect(audio.every((byte) => isSpeech(byte) || isSilence(byte))).toBe(true);
    expect(audio.filter(isSpeech).length).toBe(('One moment.'.length + REPLY.length) * 80);
  });

  it('without holdAudio the tool runs in silence (the same call, no hold sound)', async () => {
    const { call } = await holdCall(undefined);
    const audio = call.receivedAudio();
    expect(audio.every((byte) => isSpeech(byte) || isSilence(byte))).toBe(true);
  });
});
