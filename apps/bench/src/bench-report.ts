/** What one benchmark returns: a table of numbers (and notes), printed by main.ts. */
export interface BenchReport {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
  readonly notes?: readonly string[];
}

/** One benchmark: a file exporting `run()`, listed in main.ts. */
export interface Bench {
  readonly name: string;
  readonly run: () => Promise<BenchReport>;
}
