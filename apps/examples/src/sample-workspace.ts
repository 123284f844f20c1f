/**
 * What every example shares: a private copy of the bundled sample segment in a temporary
 * directory laid out as the collector writes it (`raw/ready/coinbase/`), so examples never touch
 * the repository's files, and the check that lets each example file run on its own.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The sample segment bundled with the repository (546 messages of the Advanced Trade BTC-USD feed). */
export const SAMPLE_SEGMENT = fileURLToPath(
  new URL(
    '../../../tooling/fixtures/sample/ready/coinbase/segment_20260809T21_00001.ndjson',
    import.meta.url,
  ),
);

export interface ExampleOptions {
  /** Directory to work in (default: a fresh temporary directory). */
  readonly workDir?: string;
}

export interface SampleWorkspace {
  readonly root: string;
  /** `<root>/raw/ready/coinbase`, holding a copy of the sample segment. */
  readonly ready: string;
  /** The copy of the sample segment. */
  readonly segment: string;
  /** `<root>/processed`: datasets land in `<output>/coinbase/<dataset>/`. */
  readonly output: string;
}

/** A work directory with a copy of the sample segment in `raw/ready/coinbase/`. */
export function sampleWorkspace(options: ExampleOptions = {}): SampleWorkspace {
  const root = options.workDir ?? mkdtempSync(path.join(tmpdir(), 'etl-example-'));
  const ready = path.join(root, 'raw', 'ready', 'coinbase');
  mkdirSync(ready, { recursive: true });
  const segment = path.join(ready, path.basename(SAMPLE_SEGMENT));
  copyFileSync(SAMPLE_SEGMENT, segment);
  return { root, ready, segment, output: path.join(root, 'processed') };
}

/**
 * Where an example run as a script works: `apps/examples/out/<example>/`, emptied first. Its output
 * stays there for you to look at, and the run leaves nothing in the system's temporary directory.
 */
export function scriptWorkDir(moduleUrl: string): string {
  const dir = fileURLToPath(new URL(`../out/${path.parse(fileURLToPath(moduleUrl)).name}`, moduleUrl));
  rmSync(dir, { recursive: true, force: true });
  return dir;
}

/** True when the module at `moduleUrl` is the script Node was started with. */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(path.resolve(script)).href === moduleUrl;
}

/** Prints an example's result (bigints as plain numbers). */
export function printResult(title: string, result: unknown): void {
  console.log(`${title}\n${JSON.stringify(result, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}`);
}
