import path from 'node:path';

const EXTENSIONS = ['.ndjson.gz', '.ndjson.zst', '.jsonl.gz', '.jsonl.zst', '.ndjson', '.jsonl', '.json'];

/** True for names the ETL treats as segment files. */
export function isSegmentFile(name: string): boolean {
  return !name.startsWith('.') && EXTENSIONS.some((ext) => name.endsWith(ext));
}

/** Stable id of a segment: its file name without the NDJSON/compression extensions. */
export function segmentId(file: string): string {
  const base = path.basename(file);
  const ext = EXTENSIONS.find((e) => base.endsWith(e));
  return ext ? base.slice(0, -ext.length) : base;
}

const SEGMENT_DATE_RE = /(\d{4})(\d{2})(\d{2})T(\d{2})/;

/** `'YYYY-MM-DD'` of the UTC hour a segment was opened, from its name (`segment_20251126T14_00042`). */
export function segmentDate(file: string): string | undefined {
  const m = SEGMENT_DATE_RE.exec(segmentId(file));
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}
