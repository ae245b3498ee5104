import { performance } from 'node:perf_hooks';

export interface Timing {
  /** Microseconds per operation. */
  readonly median: number;
  readonly p99: number;
  readonly mean: number;
  /**
   * Sustained µs per operation: the best of 201 batches of 200 back-to-back calls (the batch least
   * disturbed by other processes; garbage collection included when it falls in that batch).
   */
  readonly sustained: number;
}

/**
 * Times `op` one call at a time (after a warm-up), `samples` times, minus the timer's own cost.
 * `op` returns a number that is summed so the work cannot be optimized away.
 */
export function measure(op: () => number, samples = 20_000, warmup = 20_000): Timing {
  let sink = 0;
  for (let i = 0; i < warmup; i++) sink += op();
  const overhead = timerOverhead();
  const times = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    sink += op();
    times[i] = (performance.now() - start) * 1000 - overhead;
  }
  const batches = new Float64Array(201);
  for (let b = 0; b < batches.length; b++) {
    const start = performance.now();
    for (let i = 0; i < 200; i++) sink += op();
    batches[b] = (performance.now() - start) * 5; // µs per op
  }
  batches.sort();
  if (sink === Number.MIN_VALUE) console.log(sink);
  times.sort();
  let total = 0;
  for (const t of times) total += t;
  return {
    median: Math.max(0, times[Math.floor(samples / 2)]!),
    p99: Math.max(0, times[Math.floor(samples * 0.99)]!),
    mean: Math.max(0, total / samples),
    sustained: batches[0]!,
  };
}

function timerOverhead(): number {
  const times = new Float64Array(10_001);
  for (let i = 0; i < times.length; i++) {
    const start = performance.now();
    times[i] = (performance.now() - start) * 1000;
  }
  times.sort();
  return times[5000]!;
}
