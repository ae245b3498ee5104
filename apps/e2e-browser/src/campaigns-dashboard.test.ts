import { silentLogger } from '@patter/core';
import { Patter, type ServerHandle } from '@patter/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, NO_CHROMIUM, launchChromium, type LaunchedBrowser } from './chromium.js';

// The dashboard's Campaigns view in Chromium: a campaign set for later (its contacts stay queued,
// nothing is dialed) listed with its counts, and its page with each contact's state.

describe.skipIf(!HAS_CHROMIUM)(`dashboard campaigns in Chromium${HAS_CHROMIUM ? '' : ` (skipped: ${NO_CHROMIUM})`}`, () => {
  let browser: LaunchedBrowser;
  let handle: ServerHandle;
  let phone: Patter;

  beforeAll(async () => {
    phone = new Patter({ logger: silentLogger });
    const agent = phone.agent({ onMessage: () => 'ok' });
    handle = await phone.serve({ agent, port: 0, host: '127.0.0.1', shutdownSignals: false, store: { memory: true }, fleet: { tickMs: 200 } });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await handle?.close({ timeoutMs: 0 });
  });

  it('lists campaigns with their contacts counted by state; a campaign page shows each contact', async () => {
    const { campaignId } = await phone.campaign({
      name: 'spring <renewals>',
      contacts: [{ to: '+15550001111' }, { to: '+15550002222' }],
      concurrency: 1,
      fromNumbers: ['+15550009000'],
      startAt: Date.now() + 3_600_000,
    });
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${handle.dashboardUrl}/#/campaigns`);
    const row = page.locator(`[data-testid="campaigns"] tr[data-campaign-id="${campaignId}"]`);
    await row.waitFor({ timeout: 30_000 });
    // Names are text, never HTML.
    expect(await row.locator('td').allTextContents()).toEqual(['spring <renewals>', 'running', expect.any(String), '2', '0', '0', '0', '0']);
    await row.click();
    await page.locator('[data-testid="campaign-contacts"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="campaign-counts"]').textContent()).toBe('queued 2 · dialing 0 · in call 0 · done 0 · failed 0');
    const contacts = await page.locator('[data-testid="campaign-contacts"] tbody tr').evaluateAll((rows) => rows.map((tr) => [...tr.children].map((td) => td.textContent)));
    expect(contacts).toEqual([
      ['1', '+15550001111', 'queued', '0', ''],
      ['2', '+15550002222', 'queued', '0', ''],
    ]);
    expect(errors).toEqual([]);
  }, 120_000);
});
