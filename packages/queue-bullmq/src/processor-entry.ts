/**
 * Where the sandboxed processor lives and how a worker thread loads it. From the built package
 * it is `dist/segment-processor.js`. From the TypeScript sources (tests, `tsx`) it is a small
 * `.mjs` that registers the tsx loader inside the thread, and the thread gets the `@etl/source`
 * condition so workspace packages resolve to their sources as well.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ProcessorEntry {
  /** Absolute path of the processor module. */
  readonly file: string;
  /** `execArgv` for the worker threads, when they need more than the process's own. */
  readonly execArgv?: string[];
}

const SOURCE_CONDITION = '--conditions=@etl/source';

export function processorEntry(): ProcessorEntry {
  const here = fileURLToPath(import.meta.url);
  const dir = path.dirname(here);
  if (!here.endsWith('.ts')) return { file: path.join(dir, 'segment-processor.js') };
  const execArgv = process.execArgv.filter((a) => a !== SOURCE_CONDITION);
  execArgv.push(SOURCE_CONDITION);
  return { file: path.join(dir, 'segment-processor.source.mjs'), execArgv };
}
