export { loadPlugins } from '@etl/orchestrator';
export type { EtlConfig } from './config.js';
export { loadConfig, validateConfig } from './config.js';
export type { CliIO } from './main.js';
export { HELP, main } from './main.js';
