import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentProcess, parseIdentity, processStartTime } from './process-identity.js';
import { claimSegment, claimStates, ownerFile, releaseSegment, sweepClaims } from './segment-claim.js';

function dirs() {
  const root = mkdtempSync(path.join(tmpdir(), 'etl-claim-'));
  const ready = path.join(root, 'ready');
  const processing = path.join(root, 'processing');
  mkdirSync(ready);
  mkdirSync(processing);
  return { ready, processing };
}

const DEAD_PID = 999_999_999;
const owners = (processing: string) =>
  readdirSync(processing)
    .filter((n) => n.includes('.owner'))
    .sort();
const hoursAgo = (file: string, h: number) => {
  const t = new Date(Date.now() - h * 3_600_000);
  utimesSync(file, t, t);
};

describe('claimSegment', () => {
  it('lets exactly one of many concurrent claimers take a segment, with a complete owner file', async () => {
    const { ready, processing } = dirs();
    writeFileSync(path.join(ready, 'seg_1.ndjson'), 'x');
    const claims = await Promise.all(
      Array.from({ length: 6 }, () => claimSegment(ready, processing, 'seg_1.ndjson')),
    );
    const won = claims.filter((c) => c !== undefined);
    expect(won).toHaveLength(1);
    expect(won[0]!.path).toBe(path.join(processing, 'seg_1.ndjson'));
    expect(readdirSync(ready)).toEqual([]);
    // Created by hard-linking a finished file: never empty, never torn.
    expect(parseIdentity(readFileSync(won[0]!.ownerFile, 'utf8'))).toEqual(currentProcess());
    expect(owners(processing)).toEqual(['.seg_1.ndjson.owner.1']);
    // This process holds it: a second claim (another job of the same process) is refused.
    expect(await claimSegment(ready, processing, 'seg_1.ndjson')).toBeUndefined();
    await won[0]!.release();
    expect(owners(processing)).toEqual([]);
  });

  it('supersedes the claim of a dead holder with the next generation, exactly once', async () => {
    const { ready, processing } = dirs();
    writeFileSync(path.join(processing, 'seg_1.ndjson'), 'leftover');
    writeFileSync(
      ownerFile(processing, 'seg_1.ndjson', 3),
      JSON.stringify({ pid: DEAD_PID, host: hostname() }),
    );
    const claims = await Promise.all([1, 2, 3].map(() => claimSegment(ready, processing, 'seg_1.ndjson')));
    const won = claims.filter((c) => c !== undefined);
    expect(won).toHaveLength(1);
    expect(won[0]!.ownerFile).toBe(ownerFile(processing, 'seg_1.ndjson', 4));
    expect(owners(processing)).toEqual(['.seg_1.ndjson.owner.4']);
    expect(readFileSync(won[0]!.path, 'utf8')).toBe('leftover');
  });

  it('treats a recycled pid (same pid, other start time) as dead', async () => {
    const { ready, processing } = dirs();
    writeFileSync(path.join(processing, 'seg_1.ndjson'), 'x');
    const parent = process.ppid;
    const start = processStartTime(parent);
    writeFileSync(
      ownerFile(processing, 'seg_1.ndjson'),
      JSON.stringify({ pid: parent, host: hostname(), start: start ?? '1' }),
    );
    expect(await claimSegment(ready, processing, 'seg_1.ndjson')).toBeUndefined();
    if (start === undefined) return; // no /proc: the pid alone decides
    writeFileSync(
      ownerFile(processing, 'seg_1.ndjson'),
      JSON.stringify({ pid: parent, host: hostname(), start: `${start}9` }),
    );
    expect((await claimSegment(ready, processing, 'seg_1.ndjson'))?.ownerFile).toBe(
      ownerFile(processing, 'seg_1.ndjson', 2),
    );
  });

  it('treats an empty owner file (a crash right after creating it) as alive until it is old', async () => {
    const { ready, processing } = dirs();
    writeFileSync(path.join(processing, 'seg_1.ndjson'), 'x');
    const legacy = path.join(processing, '.seg_1.ndjson.owner');
    writeFileSync(legacy, '');
    expect(await claimSegment(ready, processing, 'seg_1.ndjson')).toBeUndefined();
    expect(await claimSegment(ready, processing, 'seg_1.ndjson', { staleAfterMs: 60_000 })).toBeUndefined();
    hoursAgo(legacy, 1);
    const claim = await claimSegment(ready, processing, 'seg_1.ndjson', { staleAfterMs: 60_000 });
    expect(claim?.ownerFile).toBe(ownerFile(processing, 'seg_1.ndjson', 1));
    expect(existsSync(legacy)).toBe(false);
  });

  it('reads the bare pid of older owner files and judges holders on other hosts by age', async () => {
    const { ready, processing } = dirs();
    writeFileSync(path.join(processing, 'a.ndjson'), 'x');
    writeFileSync(path.join(processing, '.a.ndjson.owner'), String(DEAD_PID));
    expect(await claimSegment(ready, processing, 'a.ndjson')).toBeDefined();

    writeFileSync(path.join(processing, 'b.ndjson'), 'x');
    const foreign = ownerFile(processing, 'b.ndjson');
    writeFileSync(foreign, JSON.stringify({ pid: DEAD_PID, host: `${hostname()}-elsewhere` }));
    // Its pid means nothing here: alive while it keeps touching the file.
    expect(await claimSegment(ready, processing, 'b.ndjson')).toBeUndefined();
    hoursAgo(foreign, 1);
    expect(await claimSegment(ready, processing, 'b.ndjson', { staleAfterMs: 60_000 })).toBeDefined();
  });

  it('gives up a segment that is gone and refreshes the claim on touch', async () => {
    const { ready, processing } = dirs();
    expect(await claimSegment(ready, processing, 'missing.ndjson')).toBeUndefined();
    expect(owners(processing)).toEqual([]);
    writeFileSync(path.join(ready, 'seg.ndjson'), 'x');
    const claim = (await claimSegment(ready, processing, 'seg.ndjson'))!;
    hoursAgo(claim.ownerFile, 2);
    await claim.touch();
    expect((await claimStates(processing)).get('seg.ndjson')).toBe('self');
    await releaseSegment(processing, 'seg.ndjson');
    expect(owners(processing)).toEqual([]);
  });
});

describe('sweepClaims', () => {
  it('removes dead claims of segments that left processing/ and dead temporaries, nothing else', async () => {
    const { processing } = dirs();
    const dead = JSON.stringify({ pid: DEAD_PID, host: hostname() });
    writeFileSync(ownerFile(processing, 'done.ndjson'), dead); // finished, claim never released
    writeFileSync(path.join(processing, 'stranded.ndjson'), 'x');
    writeFileSync(ownerFile(processing, 'stranded.ndjson'), dead); // the next claimer supersedes it
    writeFileSync(ownerFile(processing, 'live.ndjson'), JSON.stringify(currentProcess()));
    writeFileSync(path.join(processing, `.x.ndjson.owner.1.${DEAD_PID}-00ff00ff.tmp`), dead);
    writeFileSync(path.join(processing, `.y.ndjson.owner.1.${process.pid}-00ff00ff.tmp`), dead);
    expect(await sweepClaims(processing)).toBe(2);
    expect(readdirSync(processing).sort()).toEqual(
      [
        '.live.ndjson.owner.1',
        '.stranded.ndjson.owner.1',
        `.y.ndjson.owner.1.${process.pid}-00ff00ff.tmp`,
        'stranded.ndjson',
      ].sort(),
    );
  });
});

describe('claims across PID namespaces and long names', () => {
  it('judges a holder in another PID namespace by its heartbeat, not by its pid', async () => {
    const { ready, processing } = dirs();
    writeFileSync(path.join(processing, 'a.ndjson'), 'x');
    // The same host name, a pid that does not exist here: only the namespace tells it apart.
    const foreign = JSON.stringify({ ...currentProcess(), pid: DEAD_PID, pidns: 'pid:[1]' });
    writeFileSync(ownerFile(processing, 'a.ndjson'), foreign);
    expect(await claimSegment(ready, processing, 'a.ndjson')).toBeUndefined();
    expect((await claimStates(processing)).get('a.ndjson')).toBe('alive');
    hoursAgo(ownerFile(processing, 'a.ndjson'), 1); // its heartbeat stopped
    expect(await claimSegment(ready, processing, 'a.ndjson')).toBeDefined();
  });

  it('claims a segment whose name is 255 bytes, and maps its shortened owner file back', async () => {
    const { ready, processing } = dirs();
    const name = `${'é'.repeat(100)}${'x'.repeat(48)}.ndjson`;
    expect(Buffer.byteLength(name)).toBe(255);
    writeFileSync(path.join(ready, name), 'x');
    const claim = await claimSegment(ready, processing, name);
    expect(claim?.path).toBe(path.join(processing, name));
    expect(path.basename(claim!.ownerFile).length).toBeLessThan(255 - 40);
    expect([...(await claimStates(processing)).entries()]).toEqual([[name, 'self']]);
    await releaseSegment(processing, name);
    expect(owners(processing)).toEqual([]);
  });

  it('in place, claims without moving the segment', async () => {
    const { ready, processing } = dirs();
    writeFileSync(path.join(ready, 'a.ndjson'), 'x');
    const claim = await claimSegment(ready, processing, 'a.ndjson', { inPlace: true });
    expect(claim?.path).toBe(path.join(ready, 'a.ndjson'));
    expect(existsSync(path.join(ready, 'a.ndjson'))).toBe(true);
    expect(await claimSegment(ready, processing, 'a.ndjson', { inPlace: true })).toBeUndefined();
    await claim!.release();
    expect(await claimSegment(ready, processing, 'gone.ndjson', { inPlace: true })).toBeUndefined();
  });
});
