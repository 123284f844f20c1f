import { etlVitestConfig } from '../../tooling/vitest/config.js';

export default etlVitestConfig();
