import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Whether the module at `url` is the one node was started with (`npx tsx examples/x.ts`), not imported by a test. */
export function isMain(url: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && pathToFileURL(resolve(entry)).href === url;
}
