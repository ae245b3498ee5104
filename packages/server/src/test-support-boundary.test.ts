import { readFileSync, readdirSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceModuleGraph } from '@patter/testing';
import { describe, expect, it } from 'vitest';

// src/test-support/ is the server's own test harness: internal, never shipped (see its README).
const src = dirname(fileURLToPath(import.meta.url));
const root = resolve(src, '..');
const supportDir = resolve(src, 'test-support');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
  files: string[];
  tsup: { entry: string[] }[];
};

describe('@patter/server test-support stays internal', () => {
  it('no shipped entry (index.ts, cli.ts) reaches src/test-support', () => {
    for (const entry of ['index.ts', 'cli.ts']) {
      const reached = sourceModuleGraph(resolve(src, entry)).files;
      expect(reached.length).toBeGreaterThan(10);
      expect(reached.filter((file) => file.startsWith(supportDir + sep))).toEqual([]);
    }
  });

  it('it is no build entry, no exports subpath, and left out of the published files', () => {
    expect(pkg.tsup.flatMap((build) => build.entry)).toEqual(['src/index.ts', 'src/cli.ts']);
    expect(Object.keys(pkg.exports).filter((key) => key.includes('test'))).toEqual([]);
    expect(pkg.files).toContain('!src/test-support');
  });

  it('nothing it exports is in the API report', () => {
    const report = readFileSync(resolve(root, '../../etc/server.api.md'), 'utf8');
    const names = readdirSync(supportDir)
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) => [...readFileSync(resolve(supportDir, file), 'utf8').matchAll(/^export (?:async )?(?:function|class|const|interface|type) (\w+)/gm)])
      .map((match) => match[1] as string);
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((name) => new RegExp(`\\b${name}\\b`).test(report))).toEqual([]);
  });
});
