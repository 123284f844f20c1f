/**
 * The worker's own record of the segments its threads converted, kept outside Redis: one JSON
 * line per committed conversion, appended by the thread right after the commit. When Redis loses
 * the job (restarted without persistence) BullMQ never reports the completion, yet the segment's
 * output is committed and its input gone; the journal is how the summary still lists it.
 */
import { appendFile, readFile } from 'node:fs/promises';
import type { ConvertJobResult } from './segment-jobs.js';

export async function recordConversion(journal: string, result: ConvertJobResult): Promise<void> {
  await appendFile(journal, `${JSON.stringify(result)}\n`);
}

/** Every conversion recorded in `journal` (none when it does not exist). */
export async function readConversions(journal: string): Promise<ConvertJobResult[]> {
  const text = await readFile(journal, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const out: ConvertJobResult[] = [];
  for (const line of text.split('\n')) {
    // A thread killed mid-append leaves a partial last line; its segment is reported by the queue.
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as ConvertJobResult);
    } catch {}
  }
  return out;
}
