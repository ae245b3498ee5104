import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PatterError } from '@patter/core';
import type { SqlClient } from './sql-client.js';

/**
 * The worker's program. PGlite runs PostgreSQL as WASM on the thread that calls it: starting it
 * (seconds) and any heavy query would stall every call's audio on the main thread. In a worker
 * thread they cannot.
 */
const WORKER_SOURCE = `
import { parentPort, workerData } from 'node:worker_threads';
const { PGlite } = await import(workerData.module);
const db = workerData.dataDir === undefined ? new PGlite() : new PGlite(workerData.dataDir);
try {
  await db.waitReady;
  parentPort.postMessage({ ready: true });
} catch (err) {
  parentPort.postMessage({ ready: false, error: { name: err?.name, message: String(err?.message) } });
}
parentPort.on('message', async ({ id, op, sql, params }) => {
  try {
    if (op === 'close') {
      if (!db.closed) await db.close();
      parentPort.postMessage({ id, ok: true });
      return;
    }
    const rows = op === 'exec' ? (await db.exec(sql), undefined) : (await db.query(sql, params)).rows;
    parentPort.postMessage({ id, ok: true, rows });
  } catch (err) {
    parentPort.postMessage({ id, ok: false, error: { name: err?.name, message: String(err?.message), code: err?.code } });
  }
});
`;

interface Reply {
  id: number;
  ok: boolean;
  rows?: unknown[];
  error?: { name?: string; message: string; code?: string };
}

/** The ESM entry of PGlite, resolved from this package (the worker's data: URL has no place to resolve from). */
function pgliteModuleUrl(): string {
  const cjs = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const esm = cjs.replace(/\.cjs$/, '.js');
  return pathToFileURL(existsSync(esm) ? esm : cjs).href;
}

/**
 * PGlite in a worker thread, in `dataDir` or in memory. Statements run one at a time, in order
 * (PGlite is one connection); a transaction holds the line until it commits or rolls back.
 */
export async function openPGliteWorkerClient(dataDir: string | undefined): Promise<SqlClient> {
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`), {
    workerData: { module: pgliteModuleUrl(), dataDir },
  });
  const waiting = new Map<number, { resolve: (rows: unknown[]) => void; reject: (err: Error) => void }>();
  let nextId = 1;
  let exited: Error | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', (message: { ready: boolean; error?: { message: string } }) =>
      message.ready ? resolve() : reject(new PatterError(`embedded database failed to start: ${message.error?.message ?? 'unknown'}`)),
    );
    worker.once('error', reject);
  });
  worker.on('error', () => {}); // surfaced through `exit`
  worker.on('exit', (code) => {
    exited = new PatterError(`embedded database worker exited (code ${code})`);
    for (const pending of waiting.values()) pending.reject(exited);
    waiting.clear();
  });
  await ready;
  worker.on('message', (reply: Reply) => {
    const pending = waiting.get(reply.id);
    if (!pending) return;
    waiting.delete(reply.id);
    if (waiting.size === 0) worker.unref();
    if (reply.ok) pending.resolve(reply.rows ?? []);
    else pending.reject(Object.assign(new PatterError(reply.error?.message ?? 'query failed'), { code: reply.error?.code, dbError: reply.error?.name }));
  });
  // An idle worker does not keep the process alive; one with statements in flight does.
  worker.unref();

  const call = (op: 'query' | 'exec' | 'close', sql?: string, params?: readonly unknown[]): Promise<unknown[]> => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      if (waiting.size === 0) worker.ref();
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, op, sql, params });
    });
  };
  // One statement (or one whole transaction) at a time.
  let line: Promise<unknown> = Promise.resolve();
  const inLine = <T>(work: () => Promise<T>): Promise<T> => {
    const run = line.then(work, work);
    line = run.catch(() => undefined);
    return run;
  };
  const direct = {
    query: <Row>(sql: string, params: readonly unknown[] = []) => call('query', sql, params) as Promise<Row[]>,
    exec: async (sql: string) => void (await call('exec', sql)),
  };
  return {
    kind: 'pglite',
    query: <Row>(sql: string, params: readonly unknown[] = []) => inLine(() => direct.query<Row>(sql, params)),
    exec: (sql: string) => inLine(() => direct.exec(sql)),
    transaction: <T>(work: (tx: Pick<SqlClient, 'query' | 'exec'>) => Promise<T>) =>
      inLine(async () => {
        await direct.exec('BEGIN');
        try {
          const result = await work(direct);
          await direct.exec('COMMIT');
          return result;
        } catch (err) {
          await direct.exec('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
    close: () =>
      inLine(async () => {
        if (exited) return;
        await call('close').catch(() => undefined);
        await worker.terminate();
      }),
  };
}
