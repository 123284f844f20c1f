import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_FEATURES_PREFIX, DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX } from '@etl/stream-nats';
import { describe, expect, it } from 'vitest';
import { markdownReference, REFERENCE_END, REFERENCE_START } from '../src/command-reference.js';
import { COMMANDS } from '../src/command-table.js';
import { etl } from './helpers.js';

const README = path.resolve(import.meta.dirname, '../README.md');

describe('help generated from the table of commands', () => {
  it('etl --help lists every command with its one-line description', async () => {
    const r = await etl(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS)
      expect(r.stdout).toMatch(new RegExp(`^  ${c.name} +${escapeRegExp(c.summary)}$`, 'm'));
  });

  it('each command has its own help: usage, every option with its default', async () => {
    const texts = new Map<string, string>();
    for (const c of COMMANDS) {
      const r = await etl([c.name, '--help']);
      expect(r.code, c.name).toBe(0);
      expect(r.stdout).toContain(`Usage: etl ${c.name} ${c.usage}`);
      // Help wraps lines: compare with runs of spaces and line breaks made one space.
      const flat = r.stdout.replace(/\s+/g, ' ');
      for (const o of c.options) {
        expect(flat, `${c.name} --${o.name}`).toContain(`--${o.name}`);
        const d = o.defaultText ?? o.default;
        if (d) expect(flat, `${c.name} --${o.name} default`).toContain(`(default: ${d})`);
      }
      texts.set(c.name, r.stdout);
    }
    expect(texts.get('run')).not.toBe(texts.get('query'));
    expect(texts.get('query')).toMatch(/--max-rows <N> +rows the table shows .*\n.*\(default: 100\)/);
    expect(new Set(texts.values()).size).toBe(COMMANDS.length);
    // `etl help run` is the same text.
    expect((await etl(['help', 'run'])).stdout).toBe(texts.get('run'));
  });

  it('says what happens to the input for run, watch and worker', async () => {
    for (const name of ['run', 'watch', 'worker']) {
      const flat = (await etl([name, '--help'])).stdout.replace(/\s+/g, ' ');
      expect(flat).toContain(
        'Input: A segment is deleted once its rows are committed to the output, unless --keep-input',
      );
      expect(flat).toContain('failed/');
      expect(flat).toContain('etl retry');
    }
    const run = (await etl(['run', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(run).toContain('--in-place (then it stays where it is)');
    expect(run).toContain('--date <YYYY-MM-DD> only segments of this date (implies --mode date)');
  });

  it('an unknown option names the command, its options and --help, without node\'s "--" advice', async () => {
    const r = await etl(['run', '--inptu', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^etl: unknown option --inptu for run \(did you mean --input\?\); its options: --input, --output, /,
    );
    expect(r.stderr).toContain('(etl run --help)');
    expect(r.stderr).not.toMatch(/place it after/);
    const w = await etl(['watch', '--date', '2026-08-09']);
    expect(w.code).toBe(2);
    expect(w.stderr).toContain('unknown option --date for watch');
    const q = await etl(['query', '--bogus']);
    expect(q.stderr).toContain(
      'unknown option --bogus for query; its options: --output, --json, --csv, --max-rows',
    );
    expect(q.stderr).not.toMatch(/place it after/);
  });

  it('words a missing value, a value given to a switch, and a stray argument', async () => {
    expect(await etl(['run', '--input'])).toMatchObject({
      code: 2,
      stderr: 'etl: --input needs a value: --input <ready-dir>\n',
    });
    expect((await etl(['run', '--json=yes'])).stderr).toBe('etl: --json takes no value (etl run --help)\n');
    expect((await etl(['run', 'ready'])).stderr).toBe(
      'etl: run takes no arguments, got "ready" (options start with --; etl run --help)\n',
    );
    expect((await etl(['frobnicate'])).stderr).toMatch(
      /^etl: unknown command "frobnicate" \(commands: run, watch, retry,/,
    );
  });

  it('the defaults the table shows for etl stream are the ones it uses', () => {
    const stream = COMMANDS.find((c) => c.name === 'stream')!;
    const byName = (name: string) => stream.options.find((o) => o.name === name)?.default;
    expect(byName('stream')).toBe(DEFAULT_STREAM);
    expect(byName('subject')).toBe(`${DEFAULT_SUBJECT_PREFIX}.>`);
    expect(byName('features-subject')).toBe(DEFAULT_FEATURES_PREFIX);
  });

  it('the README holds the command reference generated from the table', () => {
    const readme = readFileSync(README, 'utf8');
    const start = readme.indexOf(REFERENCE_START);
    const end = readme.indexOf(REFERENCE_END);
    expect(start).toBeGreaterThan(0);
    const expected = markdownReference(COMMANDS);
    // ETL_UPDATE_README=1 rewrites the section from the table.
    if (process.env.ETL_UPDATE_README === '1')
      writeFileSync(README, readme.slice(0, start) + expected + readme.slice(end + REFERENCE_END.length));
    else
      expect(tablesUnpadded(readme.slice(start, end + REFERENCE_END.length))).toBe(tablesUnpadded(expected));
  });
});

/** Markdown tables without the padding a formatter (biome) adds: cells trimmed, rules `---`. */
function tablesUnpadded(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) =>
      line.startsWith('|')
        ? line
            .split(/(?<!\\)\|/)
            .map((c) => c.trim().replace(/^-+$/, '---'))
            .join('|')
        : line,
    )
    .join('\n');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
