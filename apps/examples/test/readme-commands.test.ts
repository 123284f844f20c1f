/**
 * The READMEs' commands run as printed. Each README gets a work directory shaped like the
 * repository root after the quick start's set-up (links to the real packages, node_modules and
 * fixtures, its own `data/`), and its blocks marked `<!-- doc-test: run … -->` run there in order;
 * every shell block is either run or says which service it needs (see readme-blocks.ts).
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type DocBlock, docBlocks, isShell, REPO, readmePaths, withoutSetup } from './readme-blocks.js';

/** What the docs' commands write, kept out of the links to the repository. */
const WRITTEN_BY_DOCS = new Set([
  '.git',
  '.turbo',
  'data',
  'out',
  'example.ts',
  'top.csv',
  'etl.yaml',
  'trade-flow.json',
]);
const workDirs: string[] = [];
afterAll(() => {
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
});

function repositoryLikeDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'etl-readme-'));
  workDirs.push(dir);
  for (const name of readdirSync(REPO)) {
    if (!WRITTEN_BY_DOCS.has(name)) symlinkSync(path.join(REPO, name), path.join(dir, name));
  }
  return dir;
}

function sh(code: string, cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', `set -eo pipefail\n${code}`], {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function runBlock(block: DocBlock, cwd: string): void {
  const d = block.directives!;
  const where = `${block.readme}:${block.line}`;
  if (d.action === 'file') {
    writeFileSync(path.join(cwd, d.fileName!), block.code);
    return;
  }
  let result: ReturnType<typeof sh>;
  if (d.action === 'run-ts') {
    writeFileSync(path.join(cwd, 'example.ts'), block.code);
    result = sh('npx tsx example.ts', cwd);
  } else {
    result = sh(d.skipSetup ? withoutSetup(block.code) : block.code, cwd);
  }
  const detail = `${where} exited ${result.status}\n--- stdout\n${result.stdout.slice(-3000)}\n--- stderr\n${result.stderr.slice(-3000)}`;
  expect(result.status, detail).toBe(0);
  for (const text of d.expectStdout) expect(result.stdout, `${where}: stdout`).toContain(text);
  for (const { name, start } of d.expectFiles) {
    expect(readFileSync(path.join(cwd, name), 'utf8').slice(0, start.length), `${where}: ${name}`).toBe(
      start,
    );
  }
}

const quickStart = docBlocks('README.md')[0]!;

describe.each(readmePaths())('%s', (readme) => {
  const blocks = docBlocks(readme);

  it('marks every shell block: run by this test, or what it needs', () => {
    const unmarked = blocks.filter((b) => isShell(b) && b.directives === undefined);
    expect(unmarked.map((b) => `${b.readme}:${b.line}: ${b.code.split('\n')[0]}`)).toEqual([]);
    for (const b of blocks) {
      if (b.directives?.action === 'needs' || b.directives?.action === 'skip')
        expect(b.directives.reason).toBeTruthy();
    }
  });

  const runnable = blocks.filter((b) => ['run', 'run-ts', 'file'].includes(b.directives?.action ?? ''));
  if (runnable.length === 0) return;
  it(`runs its ${runnable.length} marked block(s) as printed`, () => {
    const cwd = repositoryLikeDir();
    // The other READMEs start where the quick start ends: the sample converted into data/processed.
    if (readme !== 'README.md') runBlock(quickStart, cwd);
    for (const block of runnable) runBlock(block, cwd);
    expect(existsSync(path.join(cwd, 'data'))).toBe(true);
  }, 900_000);
});

it('the quick start is the README’s first block and runs after the set-up', () => {
  expect(quickStart.directives?.action).toBe('run');
  expect(quickStart.directives?.skipSetup).toBe(true);
  expect(withoutSetup(quickStart.code)).not.toMatch(/pnpm (install|build)/);
});
