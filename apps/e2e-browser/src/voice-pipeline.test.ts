import { FIXTURE_TEXTS, loadFixture } from '@patter/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, NO_CHROMIUM, launchChromium, type LaunchedBrowser } from './chromium.js';
import { shownLines, waitForPhone } from './dev-phone-page.js';
import { envelopeMatch } from './envelope-match.js';
import { say } from './fake-openai.js';
import { startVoiceAgent } from './voice-agent.js';
import { waitUntil } from './wait-until.js';

// A voice call from Chromium: the fixture WAV is the microphone; the real Deepgram, OpenAI LLM
// and OpenAI TTS plugins talk to loopback fakes.

const HEARD = FIXTURE_TEXTS['book-a-table'];
const REPLY = ['Sure, a table for two. ', 'For what time?'];
const MS_PER_CHAR = 40;
/** PCM16 16 kHz on the dev phone's wire: 32 bytes per ms. */
const BYTES_PER_MS = 32;
const HEARD_AFTER_MS = 3_300;

describe.skipIf(!HAS_CHROMIUM)(`dev phone in Chromium: voice pipeline${HAS_CHROMIUM ? '' : ` (skipped: ${NO_CHROMIUM})`}`, () => {
  let browser: LaunchedBrowser;
  let agent: Awaited<ReturnType<typeof startVoiceAgent>>;

  beforeAll(async () => {
    agent = await startVoiceAgent({
      // 1 s of silence, then ~2.1 s of speech: the transcript comes once it has been heard.
      // Two final segments, the second ending the speech: the page shows the turn once.
      finals: [{ text: ["I'd like to book", 'a table for two'], afterBytes: HEARD_AFTER_MS * BYTES_PER_MS }],
      chats: [say(...REPLY)],
      msPerChar: MS_PER_CHAR,
    });
    browser = await launchChromium({ microphone: [1_000, 'book-a-table'] });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.close();
  });

  it('the fixture reaches the fake STT, both transcripts show, the agent is heard, hang-up ends the call', async () => {
    const { page } = browser;
    await page.goto(agent.handle.devPhoneUrl as string);
    await page.getByRole('button', { name: 'Call the agent' }).click();
    await waitForPhone(page, 'the call to connect', (s) => s.state === 'In call' && s.sentFrames > 10);
    expect(await page.locator('#mode-label').textContent()).toBe('voice');

    await waitForPhone(page, 'the caller transcript', (s) => s.transcript.some((t) => t.role === 'user'), 8_000);
    // Two sentences, each its own TTS request: 40 ms of audio per character, at 32 bytes per ms.
    const replyBytes = (REPLY[0]!.trim().length + REPLY[1]!.length) * MS_PER_CHAR * BYTES_PER_MS;
    await waitForPhone(page, 'some agent audio', (s) => s.receivedBytes > replyBytes / 3, 5_000);
    await browser.screenshot('voice-pipeline-agent-speaking');
    // The turn's metrics come in their own message, right after the reply's transcript line.
    const state = await waitForPhone(page, 'the whole reply and its metrics', (s) => s.receivedBytes >= replyBytes && s.transcript.length >= 2 && s.metrics.length >= 1, 8_000);
    await browser.screenshot('voice-pipeline-reply-heard');

    // The fake STT got the microphone: PCM16 16 kHz mono (checked at the upgrade) and it is the fixture.
    const [upgrade] = agent.deepgram.server.upgrades;
    expect(upgrade?.status).toBe(101);
    expect(Object.fromEntries(['encoding', 'sample_rate', 'channels'].map((k) => [k, upgrade?.query.get(k)]))).toEqual({ encoding: 'linear16', sample_rate: '16000', channels: '1' });
    expect(agent.deepgram.audioBytes()).toBeGreaterThanOrEqual(HEARD_AFTER_MS * BYTES_PER_MS);
    // Whole 20 ms frames (the first ones batched while the socket connected).
    expect(agent.deepgram.chunkSizes().filter((size) => size % 640 !== 0)).toEqual([]);
    const heard = agent.deepgram.audio();
    const match = envelopeMatch(new Int16Array(heard.buffer, heard.byteOffset, heard.byteLength >> 1), loadFixture('book-a-table').pcm);
    expect(match).toBeGreaterThan(0.85);
    expect(agent.deepgram.badControl).toEqual([]);

    // Both sides of the conversation, as the page shows them.
    expect(state.transcript).toEqual([
      { role: 'user', text: HEARD },
      { role: 'assistant', text: REPLY.join('').trim() },
    ]);
    expect(await shownLines(page)).toEqual([HEARD, REPLY.join('').trim()]);
    expect(agent.openai.chatBodies[0]?.messages.at(-1)).toEqual({ role: 'user', content: HEARD });
    expect(agent.openai.speechTexts).toEqual([REPLY[0]!.trim(), REPLY[1]]);
    // The agent's audio reached the page's player: all of it, each sentence with its resampler's
    // tail (a few ms) and padded to whole 20 ms frames: at most one frame more per sentence.
    expect(state.receivedBytes).toBeLessThanOrEqual(replyBytes + 2 * 640);
    expect(state.metrics).toHaveLength(1);
    expect(await page.locator('#latency').textContent()).toMatch(/^\d+ ms to first audio$/);
    // Per-turn figures: the total and the vendors' shares, as the session measured them.
    const turns = await page.locator('#turns li').allTextContents();
    expect(turns).toHaveLength(1);
    expect(turns[0]).toMatch(/^turn 1: \d+ ms, heard \d+ ms \((STT \d+ · )?LLM \d+ · TTS \d+\)$/);
    // Heard: the page acknowledged the mark after the reply's first frame once it had played it.
    expect(state.metrics[0]!.heardMs).toBeGreaterThanOrEqual(state.metrics[0]!.totalMs as number);
    expect(turns[0]).toContain(`heard ${Math.round(state.metrics[0]!.heardMs as number)} ms`);
    expect(turns[0]).toContain(`TTS ${Math.round(state.metrics[0]!.ttsFirstByteMs as number)}`);

    await page.getByRole('button', { name: 'Hang up' }).click();
    await waitUntil('onCallEnd', () => agent.ends.length === 1, 5_000);
    const summary = agent.ends[0]!;
    expect(summary.reason).toBe('caller_hangup');
    expect(summary.callId).toMatch(/^devphone-/);
    expect(summary.transcript.map((entry) => [entry.role, entry.text])).toEqual([
      ['user', HEARD],
      ['assistant', REPLY.join('').trim()],
    ]);
    await waitForPhone(page, 'the page to show the call ended', (s) => s.state === 'Call ended');
    await waitUntil('the STT stream to close', () => agent.deepgram.server.connections.every((c) => !c.isOpen), 5_000);
    expect(browser.console.filter((line) => /^(error|pageerror|http)/.test(line))).toEqual([]);
  }, 30_000);
});
