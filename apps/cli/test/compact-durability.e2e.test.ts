/**
 * Durable before delete, for `etl compact` (the built CLI, `pnpm build` first), traced with
 * strace: each merged file is fsynced before the compaction manifest that commits it is renamed
 * into place, and the partition directory is fsynced after the merged file is renamed into it and
 * before the first file it replaces is deleted, with the manifest marked `swapped` in between.
 * Needs strace (Debian package `strace`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { etl, readyDir } from './helpers.js';
import { DIST_BIN, type Event, fsyncedBefore, parseTrace, STRACE } from './strace-events.js';
import { splitFixture } from './workspace.js';

describe('durability of `etl compact` (strace)', () => {
  it('fsyncs the merged file before the commit, its directory before deleting what it replaces', async () => {
    expect(existsSync(STRACE), 'install the Debian package strace').toBe(true);
    expect(existsSync(DIST_BIN), 'run pnpm build first').toBe(true);
    const { ready, output, root } = readyDir([]);
    splitFixture(ready, 4);
    expect((await etl(['run', '--input', ready, '--output', output, '--quiet'])).code).toBe(0);
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
        'compact',
        '--output',
        output,
        '--quiet',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const events = parseTrace(readFileSync(log, 'utf8'));
    const out = path.join(output, 'coinbase');
    const partition = path.join(out, 'level2', 'product_id=BTC-USD', 'date=2026-08-09');
    const manifest = path.join(
      out,
      '_compactions',
      'level2',
      'product_id=BTC-USD',
      'date=2026-08-09',
      'manifest.json',
    );
    const marks = events.filter(
      (e): e is Extract<Event, { kind: 'rename' }> => e.kind === 'rename' && e.to === manifest,
    );
    expect(marks).toHaveLength(3); // committed, swapped, done
    const merged = events.find(
      (e): e is Extract<Event, { kind: 'rename' }> =>
        e.kind === 'rename' &&
        path.dirname(e.to) === partition &&
        path.basename(e.to).startsWith('part-compacted-'),
    );
    expect(merged, 'the merged file renamed into place').toBeDefined();
    expect(fsyncedBefore(events, merged!.from, marks[0]!.at), 'merged file fsynced before the commit').toBe(
      true,
    );
    expect(merged!.at).toBeGreaterThan(marks[0]!.at);
    const deletions = events.filter((e) => e.kind === 'unlink' && path.dirname(e.path) === partition);
    expect(deletions).toHaveLength(4);
    const firstDeletion = Math.min(...deletions.map((e) => e.at));
    expect(
      events.some(
        (e) => e.kind === 'fsync' && e.path === partition && e.at > merged!.at && e.at < firstDeletion,
      ),
      'partition directory fsynced between the rename and the first deletion',
    ).toBe(true);
    expect(marks[1]!.at).toBeGreaterThan(merged!.at);
    expect(marks[1]!.at).toBeLessThan(firstDeletion);
    expect(marks[2]!.at).toBeGreaterThan(Math.max(...deletions.map((e) => e.at)));
  }, 300_000);
});
