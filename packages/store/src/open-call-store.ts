import { join } from 'node:path';
import { ConfigError, createConsoleLogger, type Logger } from '@patter/core';
import { CallStore, type CallStoreOptions } from './call-store.js';
import { migrate } from './migrations.js';
import { openPGliteWorkerClient } from './pglite-worker-client.js';
import { openPostgresClient } from './postgres-client.js';
import type { SqlClient } from './sql-client.js';

export interface OpenCallStoreOptions extends CallStoreOptions {
  /**
   * A PostgreSQL URL (`postgres://user:pass@host:5432/db`). Default: `DATABASE_URL`; without
   * either, an embedded PGlite database in `dataDir`.
   */
  readonly url?: string;
  /** Folder of the embedded database. Default `.patter/db` under the working directory. */
  readonly dataDir?: string;
  /** Embedded database in memory only (tests, throwaway runs). */
  readonly memory?: boolean;
  readonly logger?: Logger;
}

/** The folder the embedded database lives in when none is given. */
export const DEFAULT_DATA_DIR = join('.patter', 'db');

/**
 * Opens the call store and applies the schema's pending migrations.
 *
 * @example
 * const store = await openCallStore();                                  // .patter/db, zero setup
 * const fleet = await openCallStore({ url: process.env.DATABASE_URL });  // shared PostgreSQL
 */
export async function openCallStore(options: OpenCallStoreOptions = {}): Promise<CallStore> {
  const logger = options.logger ?? createConsoleLogger({ bindings: { name: 'patter-store' } });
  const url = options.url ?? (options.memory || options.dataDir !== undefined ? undefined : process.env.DATABASE_URL || undefined);
  if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError('url', 'expected a postgres:// or postgresql:// URL');
  }
  let client: SqlClient;
  if (url !== undefined) client = await openPostgresClient(url, logger);
  else client = await openPGliteWorkerClient(options.memory ? undefined : (options.dataDir ?? DEFAULT_DATA_DIR));
  try {
    const applied = await migrate(client);
    if (applied.length > 0) logger.info({ applied, database: client.kind }, 'store schema migrated');
  } catch (err) {
    await client.close().catch(() => {});
    throw err;
  }
  return new CallStore(client, { ...(options.redact !== undefined && { redact: options.redact }) });
}
