import { silentLogger, type CallEndSummary } from '@patter/core';
import { Bookings, buildAgent, restaurantAgent } from '@patter/demo';
import { Patter, type ServerHandle } from '@patter/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, NO_CHROMIUM, launchChromium, type LaunchedBrowser } from './chromium.js';
import { shownLines, waitForPhone } from './dev-phone-page.js';
import { waitUntil } from './wait-until.js';

// The demo's receptionist in text mode (no provider keys), called from a real browser.

const MANAGER = '+15550100199';

describe.skipIf(!HAS_CHROMIUM)(`dev phone in Chromium: text mode${HAS_CHROMIUM ? '' : ` (skipped: ${NO_CHROMIUM})`}`, () => {
  let browser: LaunchedBrowser;
  let handle: ServerHandle;
  const bookings = new Bookings();
  const ends: CallEndSummary[] = [];

  beforeAll(async () => {
    const phone = new Patter({ logger: silentLogger });
    const agent = phone.agent(buildAgent({ kind: 'text', reason: 'test' }, restaurantAgent(bookings, MANAGER), MANAGER));
    handle = await phone.serve({ agent, port: 0, host: '127.0.0.1', shutdownSignals: false, onCallEnd: (summary) => void ends.push(summary) });
    browser = await launchChromium();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await handle?.close({ timeoutMs: 0 });
  });

  it('answers a keypad press, books a table by typing: the page shows the book_table call and the "Booked" reply; hanging up ends the call', async () => {
    const { page } = browser;
    expect(handle.devPhoneUrl).toBe(`${handle.url}/phone`);
    await page.goto(handle.devPhoneUrl as string);
    await page.getByRole('button', { name: 'Call the agent' }).click();
    await waitForPhone(page, 'the greeting', (s) => s.state === 'In call (text)' && s.transcript.length >= 1);
    expect(await page.locator('#mode-label').textContent()).toMatch(/^text mode/);

    // The keypad: a press is a turn of its own, like a carrier's DTMF.
    await page.getByRole('button', { name: '5', exact: true }).click();
    await waitForPhone(page, 'the reply to the keypad', (s) => s.transcript.length >= 3);

    await page.locator('#text-input').fill("I'd like a table for two on Friday at 8, my name is Ann");
    await page.getByRole('button', { name: 'Send' }).click();
    const state = await waitForPhone(page, 'the booking reply', (s) => s.transcript.some((t) => t.text.startsWith('Booked')));

    expect(state.mode).toBe('text');
    expect(state.toolCalls).toEqual([
      expect.objectContaining({ name: 'book_table', arguments: { people: 2, day: 'friday', time: '20:00', name: 'Ann' }, result: { booked: true, reference: 'T-101' } }),
    ]);
    expect(state.transcript).toEqual([
      { role: 'assistant', text: "Luigi's Trattoria, good evening! How can I help you?" },
      { role: 'user', text: '5' },
      { role: 'assistant', text: 'I can book you a table, or tell you our opening hours. What would you like?' },
      { role: 'user', text: "I'd like a table for two on Friday at 8, my name is Ann" },
      { role: 'assistant', text: 'Booked: a table for 2 on friday at 20:00, under Ann. Your reference is T-101.' },
    ]);
    const lines = await shownLines(page);
    expect(lines).toContain('book_table({"people":2,"day":"friday","time":"20:00","name":"Ann"}) → {"booked":true,"reference":"T-101"}');
    expect(lines.at(-1)).toBe('Booked: a table for 2 on friday at 20:00, under Ann. Your reference is T-101.');
    expect(bookings.all()).toEqual([{ reference: 'T-101', people: 2, day: 'friday', time: '20:00', name: 'Ann' }]);
    await browser.screenshot('text-mode-booked');

    await page.getByRole('button', { name: 'Hang up' }).click();
    await waitUntil('onCallEnd', () => ends.length === 1);
    expect(ends[0]?.reason).toBe('caller_hangup');
    expect(ends[0]?.callId).toMatch(/^devphone-/);
    expect(ends[0]?.transcript.map((entry) => entry.role)).toEqual(['assistant', 'user', 'assistant', 'user', 'assistant']);
    await waitForPhone(page, 'the page to show the call ended', (s) => s.state === 'Call ended' && s.ended !== undefined);
    expect(await page.getByRole('button', { name: 'Call the agent' }).isEnabled()).toBe(true);
    expect(browser.console.filter((line) => /^(error|pageerror|http)/.test(line))).toEqual([]);
  }, 30_000);
  it('transfers to the manager on request: the page shows the announcement, the target, and the call ending with reason transfer', async () => {
    const { page } = browser;
    ends.length = 0;
    await page.goto(handle.devPhoneUrl as string);
    await page.getByRole('button', { name: 'Call the agent' }).click();
    await waitForPhone(page, 'the greeting', (s) => s.state === 'In call (text)' && s.transcript.length >= 1);

    await page.locator('#text-input').fill('Can I speak to the manager?');
    await page.getByRole('button', { name: 'Send' }).click();
    const state = await waitForPhone(page, 'the call to end', (s) => s.ended !== undefined && s.state === 'Call ended');
    expect(state.ended).toBe('transfer');
    expect(await shownLines(page)).toEqual([
      "Luigi's Trattoria, good evening! How can I help you?",
      'Can I speak to the manager?',
      'Let me put you through to the manager.',
      `The agent transferred the call to ${MANAGER}`,
      'Call ended (transfer)',
    ]);
    await waitUntil('onCallEnd', () => ends.length === 1);
    expect(ends[0]).toMatchObject({ reason: 'transfer' });
    expect(ends[0]?.transcript.map((entry) => entry.text)).toEqual([
      "Luigi's Trattoria, good evening! How can I help you?",
      'Can I speak to the manager?',
      'Let me put you through to the manager.',
    ]);
    await browser.screenshot('text-mode-transferred');
    expect(browser.console.filter((line) => /^(error|pageerror|http)/.test(line))).toEqual([]);
  }, 30_000);
});
