import { defineConfig } from 'vitest/config';
import { etlVitestConfig } from '../../tooling/vitest/config.js';

// The AWS SDK's `module` builds use extension-less imports that only bundlers resolve: resolve it
// the way Node does (`node` before `module`).
const conditions = ['@etl/source', 'node', 'default'];
const config = etlVitestConfig({ testTimeout: 120_000 });

export default defineConfig({
  ...config,
  resolve: { ...config.resolve, conditions },
  ssr: { ...config.ssr, resolve: { ...config.ssr?.resolve, conditions } },
  // One Swift server for every test file (its start-up takes 10-25 s).
  test: { ...config.test, globalSetup: ['./test/swift-global-setup.ts'] },
});
