/**
 * Durable before delete, traced on a real `etl run` (the built CLI, `pnpm build` first) with
 * strace: every Parquet file is fsynced before the manifest that commits it is renamed into place,
 * and every directory that received a file is fsynced before the input is deleted or moved.
 * Needs strace (Debian package `strace`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readyDir, SEGMENT } from './helpers.js';
import { DIST_BIN, type Event, fsyncedBefore, parseTrace, STRACE } from './strace-events.js';

function tracedRun(extra: string[]) {
  const { ready, output, root } = readyDir([SEGMENT]);
  const log = path.join(root, 'strace.log');
  const r = spawnSync(
    STRACE,
    [
      '-f',
      '-y',
      '-s',
      '4096',
      '-e',
      'trace=fsync,fdatasync,rename,renameat,renameat2,unlink,unlinkat,openat',
      '-o',
      log,
      process.execPath,
      DIST_BIN,
      'run',
      '--input',
      ready,
      '--output',
      output,
      '--quiet',
      ...extra,
    ],
    { encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  const processing = ready.replace(`${path.sep}ready${path.sep}`, `${path.sep}processing${path.sep}`);
  return { events: parseTrace(readFileSync(log, 'utf8')), ready, output, processing };
}

describe('durability of `etl run` (strace)', () => {
  it('has strace and the built CLI', () => {
    expect(existsSync(STRACE), 'install the Debian package strace').toBe(true);
    expect(existsSync(DIST_BIN), 'run pnpm build first').toBe(true);
  });

  it('fsyncs each Parquet file before the commit, and each receiving directory before deleting the input', () => {
    const { events, output, processing } = tracedRun([]);
    const input = path.join(processing, path.basename(SEGMENT));
    const out = path.join(output, 'coinbase');
    const commit = events.find(
      (e) => e.kind === 'rename' && e.to.startsWith(path.join(out, '_manifests') + path.sep),
    );
    expect(commit, 'the manifest rename (commit point)').toBeDefined();
    const published = events.filter(
      (e): e is Extract<Event, { kind: 'rename' }> => e.kind === 'rename' && e.to.startsWith(out + path.sep),
    );
    const parquet = published.filter((e) => e.to.endsWith('.parquet'));
    expect(parquet.length).toBeGreaterThanOrEqual(5); // level2, market_trades, ticker, candles, quality
    for (const p of parquet) expect(fsyncedBefore(events, p.from, commit!.at), p.from).toBe(true);
    // The checkpoint (a side file) too.
    for (const s of published.filter((e) => e.to.includes(`${path.sep}_state${path.sep}`)))
      expect(fsyncedBefore(events, s.from, commit!.at), s.from).toBe(true);

    const deleted = events.find((e) => e.kind === 'unlink' && e.path === input);
    expect(deleted, 'the input is deleted').toBeDefined();
    const dirs = new Set(published.map((e) => path.dirname(e.to)));
    expect(dirs.has(path.join(out, '_manifests'))).toBe(true);
    for (const dir of dirs) expect(fsyncedBefore(events, dir, deleted!.at), dir).toBe(true);
  }, 120_000);

  it('fsyncs done/ after moving the input there (--keep-input)', () => {
    const { events, ready, output, processing } = tracedRun(['--keep-input']);
    const done = ready.replace(`${path.sep}ready${path.sep}`, `${path.sep}done${path.sep}`);
    const name = path.basename(SEGMENT);
    const moved = events.find(
      (e) => e.kind === 'rename' && e.from === path.join(processing, name) && e.to === path.join(done, name),
    );
    expect(moved).toBeDefined();
    expect(events.some((e) => e.kind === 'fsync' && e.path === done && e.at > moved!.at)).toBe(true);
    // The output's directories were synced before the input moved.
    for (const dir of ['_manifests', '_state/checkpoints', 'level2/product_id=BTC-USD/date=2026-08-09'])
      expect(fsyncedBefore(events, path.join(output, 'coinbase', dir), moved!.at), dir).toBe(true);
    expect(existsSync(path.join(done, name))).toBe(true);
  }, 120_000);
});
