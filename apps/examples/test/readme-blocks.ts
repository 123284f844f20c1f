/**
 * The fenced code blocks of the repository's READMEs and what the docs test does with each: a
 * `<!-- doc-test: … -->` comment on the line before a fence says it. Directives (`;`-separated):
 *
 * - `run`: a shell block, run as printed with bash (`set -eo pipefail`) in the README's work directory
 * - `run skip-setup`: the same without its leading `npm i -g pnpm…`, `pnpm install` and `pnpm build`
 *   (the test suite runs after them: the quick start's set-up is checked on a fresh machine instead)
 * - `run-ts`: a TypeScript block, saved as `example.ts` in the work directory and run with `npx tsx example.ts`
 * - `file <name>`: the block is saved as `<name>` in the work directory (a config a later block uses)
 * - `expect "text"`: stdout of the run contains `text`; `expect-file <name> "text"`: `<name>` starts with it
 * - `needs <service>: why` and `skip: why`: not run; every shell block is either run or says why not
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '../../..');

export interface DocBlock {
  /** README path relative to the repository root. */
  readonly readme: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  /** The `doc-test` comment's directives, or undefined when there is none. */
  readonly directives?: Directives;
}

export interface Directives {
  readonly action: 'run' | 'run-ts' | 'file' | 'needs' | 'skip';
  readonly skipSetup: boolean;
  readonly fileName?: string;
  /** For `needs` and `skip`: what the block needs or why it is not run. */
  readonly reason?: string;
  readonly expectStdout: string[];
  readonly expectFiles: { name: string; start: string }[];
}

/** Every README of the repository: the root's, then packages/*, apps/* and the example plugins. */
export function readmePaths(): string[] {
  const found = ['README.md'];
  for (const group of ['packages', 'apps', 'apps/examples/plugins']) {
    for (const name of readdirSync(path.join(REPO, group)).sort()) {
      const rel = path.join(group, name, 'README.md');
      try {
        readFileSync(path.join(REPO, rel));
        found.push(rel);
      } catch {
        // not a package directory, or no README
      }
    }
  }
  return found;
}

const FENCE = /^```(\S*)\s*$/;
const COMMENT = /^<!--\s*doc-test:\s*(.*?)\s*-->$/;

function parseDirectives(text: string): Directives {
  // A reason is free text (it may hold `;`): everything after `needs ` or `skip: `.
  const notRun = /^(needs |skip: )(.+)$/.exec(text);
  if (notRun) {
    const action = notRun[1] === 'needs ' ? 'needs' : 'skip';
    return { action, skipSetup: false, reason: notRun[2], expectStdout: [], expectFiles: [] };
  }
  const parts = text.split(';').map((p) => p.trim());
  const head = parts[0] ?? '';
  const expectStdout: string[] = [];
  const expectFiles: { name: string; start: string }[] = [];
  for (const part of parts.slice(1)) {
    const stdout = /^expect "(.*)"$/.exec(part);
    const file = /^expect-file (\S+) "(.*)"$/.exec(part);
    if (stdout) expectStdout.push(stdout[1]!);
    else if (file) expectFiles.push({ name: file[1]!, start: file[2]!.replaceAll('\\n', '\n') });
    else throw new Error(`unknown doc-test directive "${part}"`);
  }
  const file = /^file (\S+)$/.exec(head);
  if (file) return { action: 'file', skipSetup: false, fileName: file[1], expectStdout, expectFiles };
  if (head === 'run' || head === 'run skip-setup')
    return { action: 'run', skipSetup: head === 'run skip-setup', expectStdout, expectFiles };
  if (head === 'run-ts') return { action: 'run-ts', skipSetup: false, expectStdout, expectFiles };
  throw new Error(`unknown doc-test action "${head}"`);
}

/** The fenced blocks of one README, in order, with their directives. */
export function docBlocks(readme: string): DocBlock[] {
  const lines = readFileSync(path.join(REPO, readme), 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    let before = start - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    const comment = before >= 0 ? COMMENT.exec(lines[before]!.trim()) : null;
    blocks.push({
      readme,
      line: start + 1,
      lang: open[1] ?? '',
      code: `${body.join('\n')}\n`,
      ...(comment ? { directives: parseDirectives(comment[1]!) } : {}),
    });
  }
  return blocks;
}

export const isShell = (block: DocBlock): boolean => block.lang === 'bash' || block.lang === 'sh';

/** A `&&` chain without its leading set-up commands (pnpm's installation, `pnpm install`, `pnpm build`). */
export function withoutSetup(code: string): string {
  const setup = /^(npm i(nstall)? -g pnpm@\S+|pnpm install|pnpm build)$/;
  return code
    .split('\n')
    .map((line) => {
      const steps = line.split(' && ');
      while (steps.length > 1 && setup.test(steps[0]!.trim())) steps.shift();
      return steps.join(' && ');
    })
    .join('\n');
}
