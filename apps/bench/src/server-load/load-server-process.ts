import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GcStats } from './gc-watch.js';

export interface ServerStats {
  readonly at: number;
  readonly cpu: NodeJS.CpuUsage;
  /** The main thread's share of `cpu` (µs), where /proc tells it. */
  readonly mainThreadCpuUs: number | undefined;
  readonly memory: NodeJS.MemoryUsage;
  /** V8's young generation, committed (bytes): its semi-spaces grow with the allocation rate, up to 2 × 16 MB. */
  readonly newSpace: number;
  readonly activeCalls: number;
  readonly loop: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly gc: GcStats;
}

const entry = fileURLToPath(new URL('./load-server-main.js', import.meta.url));

/**
 * The server's Node flags: what the `patter` command starts node with (read from its shebang; an
 * old-generation floor, @patter/server's README "Capacity"), unless PATTER_LOAD_NODE_ARGS replaces
 * them (empty: Node's defaults; e.g. `--initial-old-space-size=128 --cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
export function serverNodeFlags(): string[] {
  const flags = process.env.PATTER_LOAD_NODE_ARGS;
  return flags === undefined ? patterCommandFlags() : flags.split(' ').filter(Boolean);
}

/** The node flags on the `patter` command's shebang (`#!/usr/bin/env -S node <flags> --`). */
function patterCommandFlags(): string[] {
  const bin = fileURLToPath(new URL('../../../packages/server/bin/patter.js', import.meta.url));
  const shebang = readFileSync(bin, 'utf8').split('\n', 1)[0] ?? '';
  const flags = /^#!\/usr\/bin\/env -S node (.*) --$/.exec(shebang)?.[1];
  if (flags === undefined) throw new Error(`${bin} does not start with "#!/usr/bin/env -S node <flags> --": ${shebang}`);
  return flags.split(' ').filter(Boolean);
}

/** The server under load as a child process, pinned to `core` when taskset exists; asked over IPC. */
export class LoadServerProcess {
  private nextId = 0;

  private constructor(private readonly child: ChildProcess) {}

  static async start(env: Record<string, string>, core: number | undefined): Promise<LoadServerProcess> {
    const extra = serverNodeFlags();
    const node = [process.execPath, '--expose-gc', ...extra, entry];
    const [command, ...args] = core === undefined ? node : ['taskset', '-c', String(core), ...node];
    const child = spawn(command!, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const server = new LoadServerProcess(child);
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`load server exited with ${String(code)} before it was ready`)));
      child.once('message', () => resolve());
    });
    return server;
  }

  ask<T>(type: 'stats' | 'reset' | 'gc'): Promise<T> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      const onMessage = (answer: { type: string; id?: number }) => {
        if (answer.id !== id) return;
        this.child.off('message', onMessage);
        resolve(answer as T);
      };
      this.child.on('message', onMessage);
      this.child.send({ type, id });
    });
  }

  stats(): Promise<ServerStats> {
    return this.ask<ServerStats>('stats');
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'close' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
