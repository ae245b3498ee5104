import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: the unit of /proc's CPU times on every architecture Node supports. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, µs) of this process's main thread alone, from
 * `/proc/self/task/<pid>/stat`: `process.cpuUsage()` less this is what V8's helper threads
 * (concurrent marking, sweeping, parallel scavenging, background compiling) and libuv's pool
 * spent. Undefined where /proc is missing (not Linux). Resolution: 10 ms.
 */
export function mainThreadCpuUs(): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces and parentheses): state is field 3,
  // utime field 14, stime field 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1e6) / TICKS_PER_SECOND : undefined;
}
