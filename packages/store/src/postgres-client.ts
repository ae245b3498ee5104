import type { Logger } from '@patter/core';
import type { SqlClient } from './sql-client.js';

/**
 * A pool of connections to a PostgreSQL server (`postgres://user:pass@host/db`) through `pg`.
 * A connection the server drops is logged and replaced by the pool on the next query, so a
 * database restart heals by itself; queries in flight when it died reject and are retried by
 * the caller (the store's write queue).
 */
export async function openPostgresClient(url: string, logger: Logger, maxConnections = 5): Promise<SqlClient> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: maxConnections, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 });
  // An idle client's error (server restarted) is emitted on the pool: without a listener it is uncaught.
  const lost = (err: Error) => logger.warn({ err: { name: err.name, code: (err as { code?: string }).code } }, 'database connection lost');
  pool.on('error', lost);
  // A checked-out client has no pool listener, and a dropped socket can emit more than one error:
  // every client keeps one of its own, so a lost connection is never an uncaught exception (the
  // query in flight rejects and the caller retries).
  pool.on('connect', (client) => client.on('error', lost));
  return {
    kind: 'postgres',
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
      const result = await pool.query(sql, params as unknown[]);
      return result.rows as Row[];
    },
    async exec(sql: string): Promise<void> {
      await pool.query(sql);
    },
    async transaction<T>(work: (tx: Pick<SqlClient, 'query' | 'exec'>) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await work({
          query: async <Row>(sql: string, params: readonly unknown[] = []) => (await client.query(sql, params as unknown[])).rows as Row[],
          exec: async (sql: string) => void (await client.query(sql)),
        });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        throw err;
      } finally {
        client.release(broken);
      }
    },
    async close(): Promise<void> {
      await pool.end();
    },
  };
}
