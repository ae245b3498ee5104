import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sourceModuleGraph } from './kit/source-module-graph.js';

const src = dirname(fileURLToPath(import.meta.url));
const runtimeImports = (entry: string) => sourceModuleGraph(resolve(src, entry)).packages;

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
      'describeHttpSTTBehaviour',
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
