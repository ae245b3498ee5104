import { randomBytes } from 'node:crypto';
import { createConsoleLogger } from '@patter/core';
import { CallStore, type CallStoreOptions } from '../call-store.js';
import { migrate } from '../migrations.js';
import { openPGliteClient } from '../pglite-client.js';
import { openPostgresClient } from '../postgres-client.js';
import type { SqlClient } from '../sql-client.js';

/** The PostgreSQL the tests also run on, when `.ci/run` (or the developer) provides one. */
export const TEST_DATABASE_URL = process.env.PATTER_TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;

export const quietLogger = createConsoleLogger({ level: 'silent' });

export interface Backend {
  readonly name: 'pglite' | 'postgres';
  /** A fresh, migrated, empty database (a new schema on PostgreSQL); `dispose` drops it. */
  open(options?: CallStoreOptions): Promise<{ store: CallStore; client: SqlClient; url?: string; dispose(): Promise<void> }>;
}

const pglite: Backend = {
  name: 'pglite',
  async open(options) {
    const client = await openPGliteClient(undefined);
    await migrate(client);
    return { store: new CallStore(client, options), client, dispose: () => client.close() };
  },
};

/** A URL that puts every connection in its own schema, so tests on one database never meet. */
export function schemaUrl(base: string, schema: string): string {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

const postgres: Backend = {
  name: 'postgres',
  async open(options) {
    const base = TEST_DATABASE_URL as string;
    const schema = `patter_test_${randomBytes(6).toString('hex')}`;
    const admin = await openPostgresClient(base, quietLogger, 1);
    await admin.exec(`CREATE SCHEMA ${schema}`);
    const url = schemaUrl(base, schema);
    const client = await openPostgresClient(url, quietLogger);
    await migrate(client);
    return {
      store: new CallStore(client, options),
      client,
      url,
      async dispose() {
        await client.close().catch(() => {});
        await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
        await admin.close();
      },
    };
  },
};

/** PGlite always; PostgreSQL too when a test database URL is set. */
export const BACKENDS: readonly Backend[] = TEST_DATABASE_URL ? [pglite, postgres] : [pglite];
