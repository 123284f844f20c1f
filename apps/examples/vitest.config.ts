import { mergeConfig } from 'vitest/config';
import { etlVitestConfig } from '../../tooling/vitest/config.js';

export default mergeConfig(etlVitestConfig({ testTimeout: 120_000 }), {
  test: { globalSetup: ['test/temp-dir.setup.ts'] },
});
