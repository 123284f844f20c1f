/**
 * File names derived from a segment's name must fit NAME_MAX (255 bytes on every common Linux
 * filesystem) whatever the segment is called: a claim, a temporary file or an error report adds
 * up to ~40 bytes to the name, and a legal 226–255 byte segment name would otherwise make the run
 * die with ENAMETOOLONG. Long names are shortened deterministically (a prefix and a hash of the
 * whole name), so the same segment always maps to the same names and exactly-once still holds.
 */
import { createHash } from 'node:crypto';

export const NAME_MAX_BYTES = 255;

/** Room kept for what temporary names add: `.` + `.<pid>-<8 hex>.tmp` (pid up to 10 digits). */
export const TEMP_SUFFIX_BYTES = 26;

/** `~` and 16 hex digits of SHA-256 of the whole name. */
function hashTag(name: string): string {
  return `~${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that ends on a character boundary. */
function bytePrefix(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes) break;
    bytes += n;
    end += ch.length;
  }
  return text.slice(0, end);
}

/**
 * `name` itself when `name` plus `extraBytes` (what callers add around it) fits NAME_MAX,
 * otherwise a prefix of it and `~<hash>` that does. Shortened names end in `~` and 16 hex digits,
 * which no segment file name does (those end in their extension).
 */
export function fitName(name: string, extraBytes: number): string {
  if (Buffer.byteLength(name) + extraBytes <= NAME_MAX_BYTES) return name;
  const tag = hashTag(name);
  return bytePrefix(name, Math.max(1, NAME_MAX_BYTES - extraBytes - tag.length)) + tag;
}

/** True for a name {@link fitName} shortened. */
export function isShortenedName(name: string): boolean {
  return /~[0-9a-f]{16}$/.test(name);
}

const STORAGE_ID_MAX_CHARS = 100;
const SAFE_ID_RE = /^[A-Za-z0-9._-]+$/;

/**
 * The id a segment's output files are named by (manifest, checkpoint, quarantine file, Parquet
 * parts `part-<id>-<n>.parquet`): the segment id itself when it is short and made of
 * `[A-Za-z0-9._-]` only, otherwise `<safe prefix>-<hash>`. The writer maps other characters to
 * `_` and caps the length, so two distinct ids (`a b`, `a_b`, or two long names sharing a
 * prefix) would otherwise name the same part files and one segment would replace the other's rows.
 */
export function storageId(segmentId: string): string {
  if (segmentId.length <= STORAGE_ID_MAX_CHARS && SAFE_ID_RE.test(segmentId)) return segmentId;
  const safe = segmentId.slice(0, 80).replace(/[^A-Za-z0-9._-]/g, '_');
  return `${safe}-${createHash('sha256').update(segmentId).digest('hex').slice(0, 16)}`;
}
