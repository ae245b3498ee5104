import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packages = fileURLToPath(new URL('./packages/', import.meta.url));

// Tests run against the sources: `@patter/<name>` resolves to `packages/<name>/src/index.ts`.
export default defineConfig({
  resolve: {
    alias: [
      // The demo is an app, not a package: apps/e2e-browser drives its receptionist.
      { find: /^@patter\/demo$/, replacement: fileURLToPath(new URL('./apps/demo/src/index.ts', import.meta.url)) },
      { find: /^@patter\/([a-z0-9-]+)$/, replacement: `${packages}$1/src/index.ts` },
      // The subpath exports: the vitest suites of @patter/testing, core's entry for plugin authors.
      { find: /^@patter\/testing\/vitest$/, replacement: `${packages}testing/src/vitest.ts` },
      { find: /^@patter\/core\/plugin$/, replacement: `${packages}core/src/plugin.ts` },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'examples/test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Vitest's default on a 2-core machine is one worker (cores − 1); most files wait on sockets
    // and timers, so two workers halve the suite's wall time there.
    maxWorkers: 2,
  },
});
