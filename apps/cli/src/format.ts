/** Human-readable numbers and tables for terminal output. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m < 60
    ? `${m}m${String(s).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export interface TableOptions {
  /** Per column; by default a column is right-aligned when all its non-null cells are numbers. */
  readonly align?: readonly ('left' | 'right')[];
}

// Line breaks and tabs inside a value would break the table's rows apart.
const CONTROL = /[\u0000-\u001f\u007f]/g;
const escapeControl = (c: string): string =>
  c === '\n'
    ? '\\n'
    : c === '\r'
      ? '\\r'
      : c === '\t'
        ? '\\t'
        : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  return String(value).replace(CONTROL, escapeControl);
}

/** A plain table with aligned columns; numbers right-aligned, NULL for missing values. */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly unknown[])[],
  options: TableOptions = {},
): string {
  const cells = rows.map((r) => header.map((_, i) => cellText(r[i])));
  const widths = header.map((h) => h.length);
  for (const r of cells) for (let i = 0; i < r.length; i++) widths[i] = Math.max(widths[i]!, r[i]!.length);
  const right = header.map((_, i) => {
    const given = options.align?.[i];
    if (given) return given === 'right';
    let numbers = 0;
    for (const r of rows) {
      const v = r[i];
      if (typeof v === 'number' || typeof v === 'bigint') numbers++;
      else if (v !== null && v !== undefined) return false;
    }
    return numbers > 0;
  });
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** JSON.stringify that writes bigints as numbers when safe, else as strings. */
export function toJson(value: unknown, space?: number): string {
  return JSON.stringify(
    value,
    (_k, v) => (typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v),
    space,
  );
}

/**
 * The per-dataset table every converting command ends with (`run`, `watch`, `worker`, `stream`):
 * names in order, counts with thousands separators, right-aligned.
 */
export function datasetTable(
  datasets: Readonly<Record<string, { rows: number; files: number; bytes: number }>>,
  empty = 'No rows written.',
): string {
  const rows = Object.entries(datasets)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, d]) => [name, formatCount(d.rows), formatCount(d.files), formatBytes(d.bytes)]);
  return rows.length
    ? renderTable(['dataset', 'rows', 'files', 'size'], rows, { align: ['left', 'right', 'right', 'right'] })
    : empty;
}
