#!/usr/bin/env node
// Sums the vitest JSON reports of every workspace package and prints the closing line CI reads:
// "N passed, N failed". A package with a test script but no report (its run crashed) counts as
// one failure; `--check name=ok|fail` adds non-test checks (lint, typecheck, build).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
let passed = 0;
let failed = 0;
const lines = [];
// Every workspace package: the `packages:` globs of pnpm-workspace.yaml (`dir/*` patterns).
const globs = readFileSync(path.join(root, 'pnpm-workspace.yaml'), 'utf8')
  .split('\n')
  .map((l) => /^\s+-\s+['"]?([^'"#]+?)\/\*['"]?\s*$/.exec(l)?.[1])
  .filter(Boolean);
for (const group of globs) {
  const dir = path.join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir).sort()) {
    const pkgDir = path.join(dir, name);
    const pkgJson = path.join(pkgDir, 'package.json');
    if (!existsSync(pkgJson)) continue;
    const pkg = JSON.parse(readFileSync(pkgJson, 'utf8'));
    if (!pkg.scripts?.test) continue;
    const report = path.join(pkgDir, '.reports', 'vitest.json');
    if (!existsSync(report)) {
      failed++;
      lines.push(`${pkg.name}: no test report (the test run crashed or did not run)`);
      continue;
    }
    const r = JSON.parse(readFileSync(report, 'utf8'));
    const p = r.numPassedTests ?? 0;
    // Suites that failed to load count as failures even when no test inside them ran.
    const f =
      (r.numFailedTests ?? 0) +
      (r.testResults ?? []).filter((t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0)
        .length;
    passed += p;
    failed += f;
    lines.push(
      `${pkg.name}: ${p} passed, ${f} failed${r.numPendingTests ? `, ${r.numPendingTests} skipped` : ''}`,
    );
  }
}
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] !== '--check') continue;
  const [name, result] = (process.argv[++i] ?? '').split('=');
  if (result === 'ok') passed++;
  else failed++;
  lines.push(`${name}: ${result === 'ok' ? 'ok' : 'FAILED'}`);
}
console.log(lines.join('\n'));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
