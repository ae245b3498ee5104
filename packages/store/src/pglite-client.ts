import { mkdir } from 'node:fs/promises';
import type { SqlClient } from './sql-client.js';

/**
 * An embedded PostgreSQL (PGlite, compiled to WASM) in `dataDir`, or in memory when `dataDir`
 * is undefined. The WASM module (tens of MB) is imported only here, when a store is opened.
 */
export async function openPGliteClient(dataDir: string | undefined): Promise<SqlClient> {
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const db = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
  await db.waitReady;
  return {
    kind: 'pglite',
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
      const result = await db.query<Row>(sql, params as unknown[]);
      return result.rows;
    },
    async exec(sql: string): Promise<void> {
      await db.exec(sql);
    },
    transaction<T>(work: (tx: Pick<SqlClient, 'query' | 'exec'>) => Promise<T>): Promise<T> {
      return db.transaction(async (tx) =>
        work({
          query: async <Row>(sql: string, params: readonly unknown[] = []) => (await tx.query<Row>(sql, params as unknown[])).rows,
          exec: async (sql: string) => void (await tx.exec(sql)),
        }),
      );
    },
    async close(): Promise<void> {
      if (!db.closed) await db.close();
    },
  };
}
