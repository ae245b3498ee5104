import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

/** What the garbage collector did since the last `reset`. */
export interface GcStats {
  /** Full (mark-compact) collections, and their pauses in total (ms). */
  readonly majors: number;
  readonly majorMs: number;
  /**
   * How fast ArrayBuffer memory that outlived young-generation collections grew between them
   * (bytes/s): buffers promoted to the old generation, freed only by a full collection. V8 starts
   * one once external memory has grown 64 MB since the last, so this rate sets how often they come.
   */
  readonly promotedArrayBuffersPerS: number;
}

/**
 * Watches the collections of this process: `arrayBuffers` is read right after each scavenge (what
 * survived it), and its rises between two scavenges with no full collection between them are summed.
 */
export class GcWatch {
  private majors = 0;
  private majorMs = 0;
  private rise = 0;
  private spanMs = 0;
  private last: { at: number; bytes: number } | undefined;

  constructor() {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) this.onGc(entry);
    }).observe({ entryTypes: ['gc'] });
  }

  reset(): void {
    this.majors = this.majorMs = this.rise = this.spanMs = 0;
    this.last = undefined;
  }

  stats(): GcStats {
    return {
      majors: this.majors,
      majorMs: this.majorMs,
      promotedArrayBuffersPerS: this.spanMs > 0 ? (this.rise * 1000) / this.spanMs : 0,
    };
  }

  private onGc(entry: PerformanceEntry): void {
    const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      this.majors++;
      this.majorMs += entry.duration;
      this.last = undefined;
      return;
    }
    if (kind !== constants.NODE_PERFORMANCE_GC_MINOR) return;
    const now = { at: performance.now(), bytes: process.memoryUsage().arrayBuffers };
    if (this.last !== undefined) {
      this.rise += now.bytes - this.last.bytes;
      this.spanMs += now.at - this.last.at;
    }
    this.last = now;
  }
}
