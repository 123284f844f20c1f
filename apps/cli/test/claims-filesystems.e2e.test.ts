/**
 * Claims and directories across kernel boundaries (issue 20, items 6 and 10): two `etl run` on one
 * ready/ from different PID namespaces (containers sharing a volume, one host name) convert each
 * segment exactly once; a processing/ on another filesystem than ready/ is a clear exit 2 before
 * anything moves. Both need root (unshare, mount), which the test machines and CI have; without
 * it the tests are skipped, saying why.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etl } from './helpers.js';
import {
  aggregateDifferences,
  BIN,
  datasetAggregates,
  type Exit,
  generatedSegments,
  hiddenFiles,
  nodeArgs,
  runArgs,
  spawnEtl,
  splitFixture,
  summaryOf,
  workspace,
} from './workspace.js';

const canUnshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;
const probe = mkdtempSync(path.join(tmpdir(), 'etl-e2e-mount-probe-'));
const canMount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe]).status === 0;
if (canMount) spawnSync('umount', [probe]);
rmSync(probe, { recursive: true, force: true });
if (!canUnshare)
  console.warn('skipped: `unshare --pid --fork --mount-proc` is not permitted here (needs root)');
if (!canMount) console.warn('skipped: `mount -t tmpfs` is not permitted here (needs root)');

/** `etl <args>` in a new PID namespace (its own /proc), with this host's name. */
function spawnInNewPidNamespace(args: readonly string[]): Promise<Exit> {
  const child = spawn('unshare', [
    '--pid',
    '--fork',
    '--mount-proc',
    process.execPath,
    ...nodeArgs(BIN, args),
  ]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

const processedBy = (stderr: string): string[] =>
  [...stderr.matchAll(/segment (?:processed|finished)[^\n]*segment=(\S+)/g)].map((m) => m[1]!);

describe.skipIf(!canUnshare)('two etl run in different PID namespaces on one ready/', () => {
  let template: string;
  let names: string[];
  let clean: Record<string, unknown>;
  beforeAll(async () => {
    template = mkdtempSync(path.join(tmpdir(), 'etl-e2e-pidns-'));
    names = [...splitFixture(template, 4), ...(await generatedSegments(template, 2, 12_000_000))].sort();
    const ws = workspace(template);
    const r = await etl(runArgs(ws));
    expect(r.code, r.stderr).toBe(0);
    clean = await datasetAggregates(ws.output);
  }, 300_000);

  it('convert each segment exactly once, both exit 0, and give one clean run’s datasets', async () => {
    const ws = workspace(template);
    const host = spawnEtl(runArgs(ws));
    // The second starts while the first is converting: it must see the first's claim as alive.
    await host.waitFor(/segment processed/);
    const [a, b] = await Promise.all([host.exit, spawnInNewPidNamespace(runArgs(ws))]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const converted = [...processedBy(a.stderr), ...processedBy(b.stderr)].sort();
    expect(converted).toEqual(names);
    const [sa, sb] = [summaryOf(a.stdout), summaryOf(b.stdout)];
    expect(sa.segments.processed + sb.segments.processed).toBe(names.length);
    expect(readdirSync(path.join(ws.output, 'coinbase', '_manifests'))).toHaveLength(names.length);
    expect(aggregateDifferences(await datasetAggregates(ws.output), clean)).toEqual([]);
    expect(readdirSync(ws.ready)).toEqual([]);
    expect(readdirSync(ws.processing)).toEqual([]);
    expect(hiddenFiles(ws.output)).toEqual([]);
  }, 600_000);
});

describe.skipIf(!canMount)('processing/ on another filesystem than ready/', () => {
  const mounts: string[] = [];
  afterAll(() => {
    for (const m of mounts) spawnSync('umount', [m]);
  });

  it('is exit 2 naming both directories, before anything is claimed or moved', async () => {
    const template = mkdtempSync(path.join(tmpdir(), 'etl-e2e-exdev-'));
    const [name] = splitFixture(template, 1);
    const ws = workspace(template);
    mkdirSync(ws.processing, { recursive: true });
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', ws.processing]).status).toBe(0);
    mounts.push(ws.processing);
    const before = readFileSync(path.join(ws.ready, name!));
    const r = await etl(runArgs(ws));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).not.toMatch(/EXDEV|\n\s+at /);
    expect(r.stderr).toContain(ws.processing);
    expect(r.stderr).toContain(ws.ready);
    expect(r.stderr).toMatch(/another filesystem/);
    expect(readdirSync(ws.ready)).toEqual([name]);
    expect(readFileSync(path.join(ws.ready, name!)).equals(before)).toBe(true);
    expect(readdirSync(ws.processing)).toEqual([]);
  });
});
