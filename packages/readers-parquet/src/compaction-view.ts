/**
 * Following compaction manifests, so a read never sees a partition's files twice.
 *
 * `etl compact` replaces the part files of a partition by one merged file. For the moment between
 * renaming the merged file into place and deleting the files it replaces, a directory listing
 * holds both. The compactor records each swap in
 * `<root>/_compactions/<dataset>/<partition path>/manifest.json` (root being the directory that
 * holds the dataset directories), with paths relative to `<root>`:
 *
 * - `state: "committed"`: the merged `files` may already be in place, the `replaced` files are
 *   all still there: the merged files are not read.
 * - `state: "swapped"`: every merged file is in place, the `replaced` ones are being deleted:
 *   the replaced files are not read.
 * - `state: "done"`: nothing to hide.
 *
 * Only this contract is shared with the compactor (the orchestrator), not its code.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const COMPACTIONS_DIR = '_compactions';
const MAX_LEVELS = 12;

interface SwapRecord {
  readonly state?: unknown;
  readonly files?: readonly { readonly path?: unknown }[];
  readonly replaced?: readonly { readonly path?: unknown }[];
}

function paths(list: SwapRecord['files']): string[] {
  return (list ?? []).flatMap((f) => (typeof f?.path === 'string' ? [f.path] : []));
}

/** Decides per file whether a compaction in progress hides it; caches per directory. */
export class CompactionView {
  private readonly roots = new Map<string, Promise<boolean>>();
  private readonly hidden = new Map<string, Promise<ReadonlySet<string>>>();

  /** `files` without those a compaction swap in progress hides, in the same order. */
  async visible<T extends { readonly path: string }>(files: readonly T[]): Promise<T[]> {
    const out: T[] = [];
    for (const f of files) {
      const hide = await this.hiddenIn(path.dirname(path.resolve(f.path)));
      if (!hide.has(path.resolve(f.path))) out.push(f);
    }
    return out;
  }

  private hiddenIn(dir: string): Promise<ReadonlySet<string>> {
    let found = this.hidden.get(dir);
    if (!found) this.hidden.set(dir, (found = this.load(dir)));
    return found;
  }

  private async load(dir: string): Promise<ReadonlySet<string>> {
    let root = path.dirname(dir);
    for (let level = 0; level < MAX_LEVELS; level++) {
      if (await this.isRoot(root)) return this.hiddenBy(root, path.relative(root, dir));
      const up = path.dirname(root);
      if (up === root) break;
      root = up;
    }
    return new Set();
  }

  private isRoot(dir: string): Promise<boolean> {
    let found = this.roots.get(dir);
    if (!found) {
      found = stat(path.join(dir, COMPACTIONS_DIR)).then(
        (s) => s.isDirectory(),
        () => false,
      );
      this.roots.set(dir, found);
    }
    return found;
  }

  private async hiddenBy(root: string, partition: string): Promise<ReadonlySet<string>> {
    let record: SwapRecord;
    try {
      record = JSON.parse(
        await readFile(path.join(root, COMPACTIONS_DIR, partition, 'manifest.json'), 'utf8'),
      ) as SwapRecord;
    } catch {
      return new Set();
    }
    const list =
      record.state === 'committed'
        ? paths(record.files)
        : record.state === 'swapped'
          ? paths(record.replaced)
          : [];
    return new Set(list.map((p) => path.resolve(root, p)));
  }
}
