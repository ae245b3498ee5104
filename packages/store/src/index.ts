export { openCallStore, DEFAULT_DATA_DIR, type OpenCallStoreOptions } from './open-call-store.js';
export { CallStore, type CallPage, type CallStoreOptions } from './call-store.js';
export type {
  CallRecord,
  CallSummaryRow,
  TimelineItem,
  TurnRecord,
  RecordingRef,
  CallErrorRecord,
  CallAnalysis,
} from './call-record.js';
export type { CallQuery } from './call-query.js';
export { OutboxTable, type OutboxEntry } from './outbox-table.js';
export type { Overview, OverviewDay, OverviewQuery } from './overview.js';
export { exportCalls, type ExportFormat } from './export-calls.js';
export { StoreWriter, type StoreWriterOptions } from './store-writer.js';
export { redactText } from './redact.js';
export { migrate, MIGRATIONS } from './migrations.js';
export type { SqlClient } from './sql-client.js';
export { openPGliteClient } from './pglite-client.js';
export { openPGliteWorkerClient } from './pglite-worker-client.js';
export { openPostgresClient } from './postgres-client.js';
