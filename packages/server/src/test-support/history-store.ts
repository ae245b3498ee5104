import { CallStore, migrate, openPGliteClient, type SqlClient } from '@patter/store';

/**
 * An in-memory PGlite store for server tests, behind a switch that makes the database
 * "unreachable" (every query rejects like a refused connection) and reachable again.
 */
export async function openTestStore(): Promise<{ store: CallStore; client: SqlClient; setDown(down: boolean): void; reset(): Promise<void> }> {
  const inner = await openPGliteClient(undefined);
  await migrate(inner);
  let down = false;
  const refuse = (): Promise<never> => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
  const client: SqlClient = {
    kind: inner.kind,
    query: (sql, params) => (down ? refuse() : inner.query(sql, params)),
    exec: (sql) => (down ? refuse() : inner.exec(sql)),
    transaction: (work) => (down ? refuse() : inner.transaction(work)),
    close: () => inner.close(),
  };
  return {
    store: new CallStore(client),
    client,
    setDown: (value) => void (down = value),
    reset: () => inner.exec('TRUNCATE patter_calls CASCADE; TRUNCATE patter_outbox'),
  };
}
