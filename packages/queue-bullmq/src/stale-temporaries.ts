/**
 * Removes the hidden temporary files an interrupted earlier attempt of the same segment left
 * (a worker killed mid-segment). Only the directories and names of the segment just committed
 * are looked at, so temporaries of other segments, possibly being written on another machine
 * right now, are never touched. (The orchestrator's own sweep goes by process id, which means
 * nothing across machines, so queue workers do not run it.)
 */
import { readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { MANIFEST_DIR, type SegmentManifest } from '@etl/orchestrator/internal';

/** `.<name>.<pid>-<random>.tmp`: the naming of the writer's and the commit's temporaries. */
function isTemporaryOf(entry: string, name: string): boolean {
  return entry.length > name.length + 2 && entry.startsWith(`.${name}.`) && entry.endsWith('.tmp');
}

/** Deletes earlier attempts' temporaries of a committed segment; returns how many. */
export async function removeStaleTemporaries(outRoot: string, manifest: SegmentManifest): Promise<number> {
  const byDir = new Map<string, string[]>();
  const add = (dir: string, name: string) => {
    const list = byDir.get(dir);
    if (list) list.push(name);
    else byDir.set(dir, [name]);
  };
  for (const f of manifest.files) {
    const full = path.join(outRoot, f.path);
    add(path.dirname(full), path.basename(full));
  }
  add(path.join(outRoot, MANIFEST_DIR), `${manifest.inputId}.json`);
  add(path.join(outRoot, '_state', 'checkpoints'), `${manifest.inputId}.json`);
  add(path.join(outRoot, '_quarantine'), `${manifest.inputId}.ndjson`);
  let removed = 0;
  for (const [dir, names] of byDir) {
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.charCodeAt(0) !== 46 /* '.' */ || !entry.endsWith('.tmp')) continue;
      if (!names.some((name) => isTemporaryOf(entry, name))) continue;
      try {
        await unlink(path.join(dir, entry));
        removed++;
      } catch {
        // Gone already.
      }
    }
  }
  return removed;
}
