import type { SqlClient } from '@patter/store';

/** The `db` adapter pg-boss accepts instead of opening its own `pg` pool. */
export interface PgBossDb {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

const MULTI = /cannot insert multiple commands into a prepared statement/i;

/**
 * Runs pg-boss on the store's database connection, PGlite included: parameterised statements go
 * through `query`; pg-boss's multi-statement scripts (its schema, migrations) have no parameters
 * and go through `exec`, which returns no rows (pg-boss reads none from them).
 */
export function pgBossDb(client: Pick<SqlClient, 'query' | 'exec'>): PgBossDb {
  return {
    async executeSql(text, values) {
      if (values !== undefined && values.length > 0) return { rows: await client.query(text, values) };
      try {
        return { rows: await client.query(text) };
      } catch (error) {
        if (!MULTI.test(String((error as Error).message))) throw error;
        await client.exec(text);
        return { rows: [] };
      }
    },
  };
}
