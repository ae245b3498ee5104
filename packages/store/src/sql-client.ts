/**
 * The few things the store asks of a database: parameterised queries returning plain rows, a
 * multi-statement script (migrations), a transaction, and close. PGlite and `pg` both implement
 * it, so every query is written once, in PostgreSQL's dialect.
 */
export interface SqlClient {
  /** `pglite` (embedded) or `postgres` (a server at a URL). */
  readonly kind: 'pglite' | 'postgres';
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements, no parameters. */
  exec(sql: string): Promise<void>;
  /** Runs `work` inside BEGIN/COMMIT on one connection; a throw rolls back. */
  transaction<T>(work: (tx: Pick<SqlClient, 'query' | 'exec'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
