/**
 * Hive/Spark partition path escaping, shared by writers (escape) and readers (unescape) so the
 * two always agree. Follows Spark's `ExternalCatalogUtils.escapePathName`: `%XX` for control
 * characters and `" # % ' * / : = ? \ { [ ] ^` and DEL; null or empty values become
 * `__HIVE_DEFAULT_PARTITION__`. A value can therefore never add a path segment or climb out of
 * its dataset directory.
 */
export const HIVE_DEFAULT_PARTITION = '__HIVE_DEFAULT_PARTITION__';
/** A non-null value spelled like the null marker, as its directory name holds it. */
const ESCAPED_DEFAULT_PARTITION = '%5F%5FHIVE_DEFAULT_PARTITION%5F%5F';

const MUST_ESCAPE = new Set(['"', '#', '%', "'", '*', '/', ':', '=', '?', '\\', '\x7f', '{', '[', ']', '^']);

function needsEscape(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return c < 0x20 || MUST_ESCAPE.has(ch);
}

export function escapePartitionValue(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return HIVE_DEFAULT_PARTITION;
  // The value itself would read back as null: its underscores are escaped (readers unescape them).
  if (value === HIVE_DEFAULT_PARTITION) return ESCAPED_DEFAULT_PARTITION;
  let out = '';
  for (const ch of value) {
    if (ch.length === 1 && needsEscape(ch)) {
      out += `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
    } else out += ch;
  }
  // `.` and `..` are harmless after `key=`, but a bare value of dots is escaped anyway so no tool
  // that strips the key ever sees a relative path.
  if (out === '.' || out === '..') out = out.replaceAll('.', '%2E');
  return out;
}

export function unescapePartitionValue(segment: string): string | null {
  if (segment === HIVE_DEFAULT_PARTITION) return null;
  return segment.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/** `key=escaped(value)` path segment. */
export function partitionSegment(key: string, value: string | null | undefined): string {
  return `${escapePartitionValue(key)}=${escapePartitionValue(value)}`;
}

/** Parses `key=value` segments of a relative path; other segments are ignored. */
export function parsePartitionPath(relativePath: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const seg of relativePath.split(/[\\/]/)) {
    const eq = seg.indexOf('=');
    if (eq <= 0) continue;
    const key = unescapePartitionValue(seg.slice(0, eq));
    if (key) out[key] = unescapePartitionValue(seg.slice(eq + 1));
  }
  return out;
}
