import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCallStore } from './open-call-store.js';
import { migrate, MIGRATIONS } from './migrations.js';
import { StoreWriter } from './store-writer.js';
import { quietLogger, schemaUrl, TEST_DATABASE_URL } from './test-support/store-backends.js';
import { sampleRecord } from './test-support/sample-record.js';
import { TcpProxy } from './test-support/tcp-proxy.js';
import { openPostgresClient } from './postgres-client.js';
import { randomBytes } from 'node:crypto';

describe('openCallStore', () => {
  it('keeps the embedded database in its folder: calls survive a reopen and migrations run once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'patter-store-'));
    try {
      const first = await openCallStore({ dataDir: join(dir, 'db'), logger: quietLogger });
      expect(first.client.kind).toBe('pglite');
      await first.saveCall(sampleRecord());
      expect(await migrate(first.client)).toEqual([]);
      await first.close();
      const again = await openCallStore({ dataDir: join(dir, 'db'), logger: quietLogger });
      expect((await again.getCall('CA0001'))?.timeline).toEqual(sampleRecord().timeline);
      const versions = await again.client.query<{ version: number }>('SELECT version FROM patter_migrations ORDER BY version');
      expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((step) => step.version));
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('the embedded database starts and works in a worker thread: the event loop (the calls\' audio) never stalls', async () => {
    // PGlite on the main thread blocks it for seconds while it starts (initdb in WASM).
    let last = performance.now();
    let worstGapMs = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      worstGapMs = Math.max(worstGapMs, now - last);
      last = now;
    }, 10);
    try {
      const store = await openCallStore({ memory: true, logger: quietLogger });
      for (let i = 0; i < 20; i++) await store.saveCall(sampleRecord({ callId: `CA${i}` }));
      expect((await store.listCalls()).calls).toHaveLength(20);
      await store.close();
    } finally {
      clearInterval(ticker);
    }
    // Generous for a loaded 2-core machine; on the main thread the start alone takes seconds.
    expect(worstGapMs).toBeLessThan(1_000);
  }, 180_000);

  it('names the option when the URL is not PostgreSQL', async () => {
    await expect(openCallStore({ url: 'mysql://x', logger: quietLogger })).rejects.toMatchObject({ name: 'ConfigError', option: 'url' });
  });
});

describe.skipIf(!TEST_DATABASE_URL)('openCallStore on PostgreSQL', () => {
  const withSchema = async (work: (url: string) => Promise<void>): Promise<void> => {
    const admin = await openPostgresClient(TEST_DATABASE_URL as string, quietLogger, 1);
    const schema = `patter_test_${randomBytes(6).toString('hex')}`;
    await admin.exec(`CREATE SCHEMA ${schema}`);
    try {
      await work(schemaUrl(TEST_DATABASE_URL as string, schema));
    } finally {
      await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    }
  };

  it('servers starting together apply each migration once', async () => {
    await withSchema(async (url) => {
      const stores = await Promise.all([1, 2, 3].map(() => openCallStore({ url, logger: quietLogger })));
      const rows = await stores[0]!.client.query<{ n: number }>('SELECT count(*)::int AS n FROM patter_migrations');
      expect(rows[0]?.n).toBe(MIGRATIONS.length);
      await Promise.all(stores.map((s) => s.close()));
    });
  });

  it('a database that dies and comes back loses no queued write', async () => {
    await withSchema(async (url) => {
      const target = new URL(url);
      const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
      await proxy.start();
      target.host = `127.0.0.1:${proxy.port}`;
      const store = await openCallStore({ url: target.toString(), logger: quietLogger });
      const writer = new StoreWriter({ logger: quietLogger, retryMs: 50, maxRetryMs: 200 });
      try {
        writer.enqueue('A', () => store.saveCall(sampleRecord({ callId: 'A' })));
        await writer.idle();
        await proxy.cut();
        for (const id of ['B', 'C']) writer.enqueue(id, () => store.saveCall(sampleRecord({ callId: id })));
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(writer.pending).toBe(2);
        await proxy.restore();
        await writer.idle();
        expect((await store.listCalls()).calls.map((c) => c.callId).sort()).toEqual(['A', 'B', 'C']);
      } finally {
        await writer.close();
        await store.close();
        await proxy.cut();
      }
    });
  });
});
