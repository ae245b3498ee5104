import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CallStore } from './call-store.js';
import { exportCalls } from './export-calls.js';
import { BACKENDS } from './test-support/store-backends.js';
import { sampleRecord } from './test-support/sample-record.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);

async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

for (const backend of BACKENDS) {
  describe(`CallStore on ${backend.name}`, () => {
    let store: CallStore;
    let dispose: () => Promise<void>;
    // One database per backend (PGlite takes seconds to start on a loaded machine), emptied per test.
    beforeAll(async () => {
      ({ store, dispose } = await backend.open());
    }, 120_000);
    beforeEach(async () => {
      await store.client.exec('TRUNCATE patter_calls CASCADE; TRUNCATE patter_outbox');
    });
    afterAll(async () => {
      await dispose();
    });

    it('stores a call and reads back every field (timeline with barge-in and tools, turns, usage, cost)', async () => {
      const record = sampleRecord();
      await store.saveCall(record);
      expect(await store.getCall('CA0001')).toEqual(record);
      expect(await store.getCall('nope')).toBeUndefined();
    });

    it('saving the same call again replaces it (a retried write is harmless)', async () => {
      await store.saveCall(sampleRecord());
      await store.saveCall(sampleRecord({ endReason: 'agent_hangup' }));
      const page = await store.listCalls();
      expect(page.calls).toHaveLength(1);
      expect(page.calls[0]?.endReason).toBe('agent_hangup');
    });

    it('lists newest first with keyset pages that cover every call once', async () => {
      // Same start time for some calls: the call id breaks the tie.
      for (let i = 0; i < 53; i++) await store.saveCall(sampleRecord({ callId: `CA${String(i).padStart(4, '0')}`, startedAt: T0 + Math.floor(i / 3) * 1000 }));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listCalls({ limit: 10, ...(cursor !== undefined && { cursor }) });
        seen.push(...page.calls.map((c) => c.callId));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(6);
      expect(new Set(seen).size).toBe(53);
      expect(seen[0]).toBe('CA0052');
      expect(seen.at(-1)).toBe('CA0000');
      const first = (await store.listCalls({ limit: 1 })).calls[0];
      expect(first).toMatchObject({ costUsd: expect.closeTo(0.0161, 6), turnCount: 2, latencyP50Ms: 600, from: '+15550001111' });
    });

    it('filters by date, number, end reason, agent and text', async () => {
      await store.saveCall(sampleRecord({ callId: 'A', startedAt: T0, endReason: 'error', agent: 'sales' }));
      await store.saveCall(sampleRecord({ callId: 'B', startedAt: T0 + DAY, from: '+15559990000' }));
      await store.saveCall(
        sampleRecord({ callId: 'C', startedAt: T0 + 2 * DAY, timeline: [{ kind: 'user', at: T0, text: 'Where is my Parcel 100%_done?' }] }),
      );
      const ids = async (query: Parameters<CallStore['listCalls']>[0]) => (await store.listCalls(query)).calls.map((c) => c.callId);
      expect(await ids({ since: T0 + DAY })).toEqual(['C', 'B']);
      expect(await ids({ until: T0 + DAY })).toEqual(['A']);
      expect(await ids({ number: '+15559990000' })).toEqual(['B']);
      expect(await ids({ number: '+15550002222' })).toEqual(['C', 'B', 'A']);
      expect(await ids({ endReason: 'error' })).toEqual(['A']);
      expect(await ids({ agent: 'sales' })).toEqual(['A']);
      expect(await ids({ text: 'parcel 100%_' })).toEqual(['C']);
      expect(await ids({ text: '100%x' })).toEqual([]);
      expect(await ids({ text: 'book_table' })).toEqual(['B', 'A']);
    });

    it('rejects a cursor it did not issue, naming the option', async () => {
      await expect(store.listCalls({ cursor: 'garbage' })).rejects.toMatchObject({ name: 'ConfigError', option: 'cursor' });
    });

    it('overview: calls, cost and latency percentiles per day, and end reasons', async () => {
      await store.saveCall(sampleRecord({ callId: 'A', startedAt: T0 }));
      await store.saveCall(sampleRecord({ callId: 'B', startedAt: T0 + 1000, endReason: 'error', turns: [] }));
      await store.saveCall(sampleRecord({ callId: 'C', startedAt: T0 + DAY }));
      const overview = await store.overview({ since: T0 - DAY, until: T0 + 2 * DAY });
      expect(overview.days).toEqual([
        { day: '2026-12-01', calls: 2, costUsd: expect.closeTo(0.0322, 6), latencyP50Ms: 680, latencyP95Ms: 752 },
        { day: '2026-12-02', calls: 1, costUsd: expect.closeTo(0.0161, 6), latencyP50Ms: 680, latencyP95Ms: 752 },
      ]);
      expect(overview.endReasons).toEqual([
        { reason: 'caller_hangup', calls: 2 },
        { reason: 'error', calls: 1 },
      ]);
    });

    it('retention deletes calls older than N days', async () => {
      await store.saveCall(sampleRecord({ callId: 'old', startedAt: T0 - 31 * DAY }));
      await store.saveCall(sampleRecord({ callId: 'new', startedAt: T0 - 29 * DAY }));
      expect(await store.deleteOlderThan(30, T0)).toBe(1);
      expect((await store.listCalls()).calls.map((c) => c.callId)).toEqual(['new']);
    });

    it('adds recordings and the analysis to a stored call', async () => {
      await store.saveCall(sampleRecord());
      expect(await store.addRecording('CA0001', { url: 'https://rec/1.mp3', durationSeconds: 41 })).toBe(true);
      expect(await store.addRecording('missing', { url: 'https://rec/2.mp3' })).toBe(false);
      expect(await store.setAnalysis('CA0001', { at: T0, result: { outcome: 'booked' } })).toBe(true);
      const call = await store.getCall('CA0001');
      expect(call?.recordings).toEqual([{ url: 'https://rec/1.mp3', durationSeconds: 41 }]);
      expect(call?.analysis).toEqual({ at: T0, result: { outcome: 'booked' } });
    });

    it('exports a date range as JSON and as CSV', async () => {
      await store.saveCall(sampleRecord({ callId: 'A', startedAt: T0 }));
      await store.saveCall(sampleRecord({ callId: 'B', startedAt: T0 + DAY, agent: '=HYPERLINK("x")' }));
      await store.saveCall(sampleRecord({ callId: 'C', startedAt: T0 + 5 * DAY }));
      const json = JSON.parse(await collect(exportCalls(store, 'json', { since: T0, until: T0 + 2 * DAY }))) as { callId: string }[];
      expect(json.map((r) => r.callId)).toEqual(['B', 'A']);
      expect(json[1]).toEqual(sampleRecord({ callId: 'A', startedAt: T0 }));
      const csv = await collect(exportCalls(store, 'csv', { since: T0, until: T0 + 2 * DAY }));
      const lines = csv.split('\r\n');
      expect(lines[0]).toBe('callId,carrier,direction,from,to,agent,startedAt,endedAt,durationMs,endReason,costUsd,turns,transcript');
      expect(lines[1]).toMatch(/^B,twilio,inbound,\+15550001111,\+15550002222,"'=HYPERLINK\(""x""\)",2026-12-02T10:00:00.000Z,/);
      expect(csv).toContain('"assistant: Acme, how can I help?\nuser: Book a table');
      expect(csv).toContain('assistant: Done, a table for [interrupted]');
      expect(await collect(exportCalls(store, 'json', { since: T0 + 10 * DAY }))).toBe('[]\n');
    });

    it('the outbox hands out the oldest undelivered entry first, once per call, and remembers attempts', async () => {
      await store.saveCall(sampleRecord({ callId: 'A' }), { topic: 'postCall', payload: { n: 1 }, now: T0 });
      await store.outbox.add('postCall', 'B', { n: 2 }, T0);
      await store.saveCall(sampleRecord({ callId: 'A' }), { topic: 'postCall', payload: { n: 1 }, now: T0 });
      await store.outbox.add('postCall', 'B', { n: 2 }, T0);
      const head = await store.outbox.head('postCall');
      expect(head).toMatchObject({ callId: 'A', payload: { n: 1 }, attempts: 0, nextAt: T0 });
      await store.outbox.failed(head!.id, T0 + 5000, 'HTTP 503');
      expect(await store.outbox.head('postCall')).toMatchObject({ callId: 'A', attempts: 1, nextAt: T0 + 5000 });
      await store.outbox.delivered(head!.id, T0 + 5000);
      expect(await store.outbox.head('postCall')).toMatchObject({ callId: 'B', payload: { n: 2 } });
      expect(await store.outbox.pendingCount('postCall')).toBe(1);
    });
  });

  describe(`redaction on ${backend.name}`, () => {
    it('replaces digits and e-mail addresses in the stored transcript and its search text', async () => {
      const { store, dispose } = await backend.open({ redact: true });
      try {
        await store.saveCall(sampleRecord(), { topic: 'postCall', payload: { call: sampleRecord() }, now: T0 });
        const call = await store.getCall('CA0001');
        const said = call?.timeline.filter((i) => i.kind === 'user').map((i) => (i as { text: string }).text);
        expect(said?.[0]).toBe('Book a table for #, my email is [email]');
        expect((await store.listCalls({ text: 'ada@example' })).calls).toEqual([]);
        const head = await store.outbox.head('postCall');
        expect(JSON.stringify(head?.payload)).not.toContain('ada@example.com');
      } finally {
        await dispose();
      }
    }, 120_000);
  });
}
