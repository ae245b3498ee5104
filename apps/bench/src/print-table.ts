import type { BenchReport } from './bench-report.js';

/** Formats a report as an aligned text table (numbers right-aligned, 2 decimals below 100). */
export function formatReport(report: BenchReport): string {
  const cells = [report.columns.map(String), ...report.rows.map((row) => row.map(formatCell))];
  const widths = report.columns.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  const line = (row: readonly string[], isHeader: boolean): string =>
    row
      .map((cell, c) => {
        const raw = report.rows[0]?.[c];
        return typeof raw === 'number' && !isHeader ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!);
      })
      .join('  ')
      .trimEnd();
  const out = [`== ${report.title}`, line(cells[0]!, true), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of cells.slice(1)) out.push(line(row, false));
  for (const note of report.notes ?? []) out.push(`  ${note}`);
  return out.join('\n');
}

function formatCell(value: string | number): string {
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}
