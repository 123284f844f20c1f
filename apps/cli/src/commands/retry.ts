/**
 * `etl retry`: moves failed segments from failed/ back to ready/, so the next `etl run` (or a
 * running `etl watch`) converts them again. Every name is checked before anything moves.
 */
import { readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isSegmentFile, segmentId } from '@etl/orchestrator';
import { stageDir } from '@etl/orchestrator/internal';
import type { Flags } from '../command-spec.js';
import { loadConfig } from '../config.js';
import { toJson } from '../format.js';
import { checkInputDir } from '../usage-checks.js';
import { UsageError } from '../usage-error.js';

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

/** The error a failed segment's report gives, or undefined without a readable report. */
async function reportedError(report: string): Promise<string | undefined> {
  try {
    const parsed = JSON.parse(await readFile(report, 'utf8')) as { error?: unknown; reason?: unknown };
    const error = parsed.error ?? parsed.reason;
    return typeof error === 'string' ? error : undefined;
  } catch {
    return undefined;
  }
}

/** The segment files in failed/ that `names` (file names or segment ids) refer to. */
function resolveNames(names: readonly string[], failed: readonly string[], failedDir: string): string[] {
  const out: string[] = [];
  for (const name of names) {
    const base = path.basename(name);
    const match = failed.includes(base) ? base : failed.find((f) => segmentId(f) === base);
    if (!match)
      throw new UsageError(
        `no failed segment ${name} in ${failedDir}${failed.length ? ` (there: ${failed.join(', ')})` : ' (it is empty)'}`,
      );
    if (!out.includes(match)) out.push(match);
  }
  return out;
}

export async function retryCommand(
  flags: Flags,
  names: string[],
  io: { stdout: NodeJS.WriteStream },
): Promise<number> {
  const config = typeof flags.config === 'string' ? await loadConfig(flags.config) : undefined;
  const input = typeof flags.input === 'string' ? path.resolve(flags.input) : config?.inputDir;
  if (!input) throw new UsageError('--input <ready-dir> is required (or etl.input_dir in --config)');
  await checkInputDir(input, typeof flags.input === 'string' ? '--input' : 'etl.input_dir');
  if (flags.all && names.length) throw new UsageError('name segments or give --all, not both');
  if (!flags.all && !names.length)
    throw new UsageError('name the segments to retry, or give --all (etl retry --help)');
  const failedDir = config?.failedDir ?? stageDir(input, 'failed');
  // `<name>.error.json` ends like a segment (`.json`): it is the report, not a segment.
  const failed = (await readdir(failedDir).catch(() => [] as string[]))
    .filter((f) => isSegmentFile(f) && !f.endsWith('.error.json'))
    .sort();
  const chosen = flags.all ? failed : resolveNames(names, failed, failedDir);
  const clashes = [];
  for (const name of chosen) if (await exists(path.join(input, name))) clashes.push(name);
  if (clashes.length)
    throw new UsageError(
      `${clashes.join(', ')} already in ${input}: nothing was moved (move or remove the copy in ready/ first)`,
    );
  const moved: { segment: string; error: string | null }[] = [];
  for (const name of chosen) {
    const report = path.join(failedDir, `${name}.error.json`);
    const error = await reportedError(report);
    await rename(path.join(failedDir, name), path.join(input, name));
    // The report described the failed attempt; the next attempt writes its own if it fails too.
    await unlink(report).catch(() => undefined);
    moved.push({ segment: name, error: error ?? null });
  }
  if (flags.json) {
    io.stdout.write(`${toJson({ moved, from: failedDir, to: input })}\n`);
    return 0;
  }
  if (!moved.length) io.stdout.write(`No failed segments in ${failedDir}.\n`);
  for (const m of moved)
    io.stdout.write(`Moved ${m.segment} back to ${input}${m.error ? ` (it had failed: ${m.error})` : ''}\n`);
  return 0;
}
