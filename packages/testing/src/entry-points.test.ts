import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = dirname(fileURLToPath(import.meta.url));

/** The bare module specifiers a source file loads at run time, following its relative imports (type-only imports left out). */
function runtimeImports(entry: string): Set<string> {
  const bare = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^(?:import|export)\s+(?!type\s)[^'"]*?from\s+'([^']+)'/gm)) {
      const specifier = match[1] as string;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else bare.add(specifier);
    }
  };
  visit(resolve(src, entry));
  return bare;
}

describe('@patter/testing entry points', () => {
  it('the main entry (fakes, simulators, checks) loads without vitest', () => {
    const imports = runtimeImports('index.ts');
    expect(imports).toContain('@patter/core');
    expect(imports).not.toContain('vitest');
  });

  it('@patter/testing/vitest holds the describe* suites, the one place that imports vitest', async () => {
    expect(runtimeImports('vitest.ts')).toContain('vitest');
    const suites = await import('@patter/testing/vitest');
    expect(Object.keys(suites).filter((name) => name.startsWith('describe')).sort()).toEqual([
      'describeCarrierConformance',
      'describeConformance',
      'describeEngineConformance',
      'describeHttpTTSBehaviour',
      'describeLLMConformance',
      'describeSTTConformance',
      'describeTTSConformance',
      'describeWebSocketSTTBehaviour',
    ]);
    const main: Record<string, unknown> = await import('@patter/testing');
    expect(Object.keys(main).filter((name) => name.startsWith('describe'))).toEqual([]);
  });
});
