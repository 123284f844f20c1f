import { defineConfig } from 'vitest/config';
import { etlVitestConfig } from '../../tooling/vitest/config.js';

const config = etlVitestConfig({ testTimeout: 120_000 });
// The AWS SDK's `module` builds (loaded by the --upload tests) use extension-less imports that only
// bundlers resolve: resolve packages the way Node does, as the installed CLI does. No `import`
// either: it would also apply to require() in the forks, and tslib's ESM wrapper breaks bullmq.
const conditions = ['@etl/source', 'node', 'default'];

export default defineConfig({
  ...config,
  resolve: { ...config.resolve, conditions },
  ssr: { ...config.ssr, resolve: { ...config.ssr?.resolve, conditions } },
});
