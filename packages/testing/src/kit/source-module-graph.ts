import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** What a TypeScript source entry loads at run time: its own files, and the packages they import. */
export interface SourceModuleGraph {
  /** Absolute paths of the entry and every source file it reaches through relative imports. */
  readonly files: readonly string[];
  /** The bare specifiers (packages, `node:` modules) those files import. */
  readonly packages: readonly string[];
}

const IMPORT = /^(?:import|export)\s+(?!type\s)[^'"]*?from\s+'([^']+)'/gm;

/**
 * Follows the value imports and re-exports of `entry` (a `.ts` file; `./x.js` specifiers read
 * `./x.ts`), leaving out `import type`, so a test can check what a package entry really loads
 * (the main entry of @patter/testing never loads vitest) or never reaches (no shipped file of a
 * package reaches its test-support folder).
 */
export function sourceModuleGraph(entry: string): SourceModuleGraph {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = match[1] as string;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier);
    }
  };
  visit(resolve(entry));
  return { files: [...files], packages: [...packages] };
}
