#!/usr/bin/env node
// The `etl` command's entry: it exists before the build, so `pnpm install` on a fresh clone can link
// it into node_modules/.bin (the repository root's `pnpm etl`, the collector's tests). The command
// itself is dist/bin.js, which `pnpm build` makes.
try {
  await import('../dist/bin.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/bin.js')) throw error;
  process.stderr.write('etl: the CLI is not built yet: run `pnpm build` in the repository first\n');
  process.exitCode = 1;
}
