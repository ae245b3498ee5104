import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '@patter/core';
import { DeepgramSTT } from '@patter/deepgram';
import { OpenAILLM, OpenAITTS } from '@patter/openai';
import { Patter, type ServerHandle } from '@patter/server';
import { FIXTURE_TEXTS } from '@patter/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, HAS_CHROMIUM, NO_CHROMIUM, launchChromium, type LaunchedBrowser } from './chromium.js';
import { waitForPhone } from './dev-phone-page.js';
import { DEEPGRAM_KEY, fakeDeepgram } from './fake-deepgram.js';
import { fakeOpenAI, OPENAI_KEY, say } from './fake-openai.js';

// The dashboard in Chromium, watching a real voice call placed from the dev phone in another tab
// (the real Deepgram/OpenAI plugins against loopback fakes), with the call history in an
// in-memory PGlite store: live view during the call, history search after it, the call page.

const HEARD = FIXTURE_TEXTS['book-a-table'];
const REPLY = ['Sure, a table for two. ', 'For what time?'];
const BYTES_PER_MS = 32;

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

describe.skipIf(!HAS_CHROMIUM)(`dashboard in Chromium${HAS_CHROMIUM ? '' : ` (skipped: ${NO_CHROMIUM})`}`, () => {
  let browser: LaunchedBrowser;
  let handle: ServerHandle;
  let closeFakes: () => Promise<void>;
  const pageLog: string[] = [];

  beforeAll(async () => {
    const deepgram = await fakeDeepgram([{ text: ["I'd like to book", 'a table for two'], afterBytes: 3_300 * BYTES_PER_MS }]);
    const openai = await fakeOpenAI({ chats: [say(...REPLY)], msPerChar: 40 });
    closeFakes = async () => void (await Promise.all([deepgram.close(), openai.close()]));
    const phone = new Patter({ logger: silentLogger });
    const agent = phone.agent({
      name: 'luigi',
      systemPrompt: "You are the receptionist of Luigi's.",
      stt: new DeepgramSTT({ apiKey: DEEPGRAM_KEY, baseUrl: deepgram.url, logger: silentLogger }),
      llm: new OpenAILLM({ apiKey: OPENAI_KEY, baseUrl: openai.url }),
      tts: new OpenAITTS({ apiKey: OPENAI_KEY, baseUrl: openai.url, logger: silentLogger }),
    });
    handle = await phone.serve({ agent, port: 0, host: '127.0.0.1', shutdownSignals: false, store: { memory: true } });
    browser = await launchChromium({ microphone: [1_000, 'book-a-table'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await handle?.close({ timeoutMs: 0 });
    await closeFakes?.();
  });

  it('live view shows the running call as it happens; history search finds it; the call page shows turns and cost', async () => {
    const dashboard = await browser.context.newPage();
    dashboard.on('pageerror', (err) => pageLog.push(`pageerror: ${err.message}`));
    dashboard.on('console', (message) => message.type() === 'error' && pageLog.push(`console: ${message.text()}`));
    await dashboard.goto(handle.dashboardUrl as string);
    await dashboard.getByTestId('no-live').waitFor();

    // The call, from the dev phone in the first tab.
    const { page: phonePage } = browser;
    await phonePage.goto(handle.devPhoneUrl as string);
    await phonePage.getByRole('button', { name: 'Call the agent' }).click();
    await waitForPhone(phonePage, 'the caller transcript', (s) => s.transcript.some((t) => t.role === 'user'), 10_000);

    // The dashboard tab shows it live: the caller's words, then the agent's reply and its latency.
    const card = dashboard.locator('.live-call');
    await card.locator('li[data-kind="user"]', { hasText: HEARD }).waitFor({ timeout: 10_000 });
    await card.locator('li[data-kind="assistant"]', { hasText: 'For what time?' }).waitFor({ timeout: 15_000 });
    await expect.poll(() => card.getByTestId('latency').textContent(), { timeout: 10_000 }).toMatch(/^latency \d+ ms$/);
    expect(await card.locator('strong').textContent()).toBeTruthy();
    await shot(dashboard, 'dashboard-live');

    await phonePage.getByRole('button', { name: 'Hang up' }).click();
    await dashboard.getByTestId('no-live').waitFor({ timeout: 10_000 });

    // History: search by what was said. The record is written after the call (the embedded
    // store may still be starting on a loaded machine): search again until it is there.
    await expect
      .poll(
        async () => {
          await dashboard.goto(`${handle.dashboardUrl}#/history?q=${encodeURIComponent('table for two')}`);
          await dashboard.reload();
          await dashboard.locator('[data-testid="history"], [data-testid="error"]').first().waitFor();
          return dashboard.locator('[data-testid="history"] tbody tr').count();
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe(1);
    const row = dashboard.locator('[data-testid="history"] tbody tr').first();
    expect(await row.locator('td').nth(3).textContent()).toBe('luigi');
    expect(await row.locator('td').nth(5).textContent()).toBe('caller_hangup');
    await shot(dashboard, 'dashboard-history');
    // A search that matches nothing shows no rows.
    await dashboard.goto(`${handle.dashboardUrl}#/history?q=${encodeURIComponent('no such words')}`);
    await dashboard.getByTestId('no-calls').waitFor();

    // The call page: transcript timeline, per-turn latency by stage, cost by provider.
    await dashboard.goto(`${handle.dashboardUrl}#/history?q=${encodeURIComponent('table for two')}`);
    await dashboard.locator('[data-testid="history"] tbody tr').first().click();
    await dashboard.getByTestId('turns').waitFor();
    const lines = await dashboard.locator('[data-testid="timeline"] li').allTextContents();
    expect(lines.some((line) => line.includes(HEARD))).toBe(true);
    expect(lines.some((line) => line.includes('Sure, a table for two. For what time?'))).toBe(true);
    const turnRows = await dashboard.locator('[data-testid="turns"] tbody tr').allTextContents();
    expect(turnRows.length).toBeGreaterThanOrEqual(1);
    expect(await dashboard.locator('[data-testid="turns"] .bar').count()).toBeGreaterThan(0);
    const providers = await dashboard.locator('[data-testid="cost"] tbody tr td:first-child').allTextContents();
    expect(providers).toEqual(expect.arrayContaining(['deepgram', 'openai_tts']));
    expect(await dashboard.getByTestId('cost-total').textContent()).toMatch(/^\$0\.\d{4}$/);
    expect(await dashboard.getByTestId('cost-total').textContent()).not.toBe('$0.0000');
    expect(await dashboard.getByTestId('end-reason').textContent()).toBe('ended: caller_hangup');
    expect(await dashboard.locator('main').textContent()).not.toContain('null');
    await shot(dashboard, 'dashboard-call');

    // Overview charts.
    await dashboard.goto(`${handle.dashboardUrl}#/overview`);
    await dashboard.getByTestId('charts').waitFor();
    expect(await dashboard.locator('[data-testid="charts"] svg').count()).toBe(3);
    expect(await dashboard.locator('[data-testid="end-reasons"] td').first().textContent()).toBe('caller_hangup');
    await shot(dashboard, 'dashboard-overview');
    expect(pageLog).toEqual([]);
  }, 120_000);
});
