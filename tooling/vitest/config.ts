import { defineConfig } from 'vitest/config';

/**
 * Shared vitest settings. Workspace packages resolve to their TypeScript sources through the
 * `@etl/source` export condition, so tests never need a prior build of their dependencies.
 * Every package writes a JSON report that `tooling/scripts/test-summary.mjs` sums up for CI.
 */
export function etlVitestConfig(options: { testTimeout?: number } = {}) {
  return defineConfig({
    resolve: { conditions: ['@etl/source', 'module', 'node', 'import', 'default'] },
    ssr: { resolve: { conditions: ['@etl/source', 'module', 'node', 'import', 'default'] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: options.testTimeout ?? 30_000,
      hookTimeout: 60_000,
      reporters: ['default', 'json'],
      outputFile: { json: '.reports/vitest.json' },
      pool: 'forks',
    },
  });
}
