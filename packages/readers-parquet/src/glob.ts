/**
 * A small path glob: `*` and `?` match within one path segment, `**` matches any number of whole
 * segments (zero included). Enough to select Parquet files in a dataset without a dependency.
 */

/** True when the string contains glob syntax. */
export function isGlob(input: string): boolean {
  return input.includes('*') || input.includes('?');
}

function hasWildcard(segment: string): boolean {
  return segment.includes('*') || segment.includes('?');
}

/** Does one path segment match one pattern segment (`*`, `?`, literal characters)? */
export function matchSegment(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  // Where to resume after the last `*`: the star's position and the name position it covers up to.
  let starP = -1;
  let starN = 0;
  while (n < name.length) {
    const pc = pattern[p];
    if (pc === '*') {
      starP = p++;
      starN = n;
    } else if (pc !== undefined && (pc === '?' || pc === name[n])) {
      p++;
      n++;
    } else if (starP >= 0) {
      p = starP + 1;
      n = ++starN;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

function matchFrom(pattern: readonly string[], pi: number, path: readonly string[], si: number): boolean {
  if (pi === pattern.length) return si === path.length;
  const seg = pattern[pi]!;
  if (seg === '**') {
    return matchFrom(pattern, pi + 1, path, si) || (si < path.length && matchFrom(pattern, pi, path, si + 1));
  }
  if (si === path.length) return false;
  return matchSegment(seg, path[si]!) && matchFrom(pattern, pi + 1, path, si + 1);
}

function prefixFrom(pattern: readonly string[], pi: number, dirs: readonly string[], si: number): boolean {
  if (si === dirs.length) return pi < pattern.length;
  if (pi === pattern.length) return false;
  const seg = pattern[pi]!;
  if (seg === '**') return true;
  return matchSegment(seg, dirs[si]!) && prefixFrom(pattern, pi + 1, dirs, si + 1);
}

/** A compiled glob: the directory to walk and the pattern for paths relative to it. */
export class GlobPattern {
  /** Directory before the first segment with a wildcard (`.` when the pattern starts with one). */
  readonly base: string;
  /** Segments of the pattern after `base`. */
  readonly segments: readonly string[];

  constructor(readonly source: string) {
    const parts = source.split('/');
    let first = parts.findIndex(hasWildcard);
    if (first < 0) first = parts.length;
    const baseParts = parts.slice(0, first);
    const base = baseParts.join('/');
    this.base = base === '' ? (source.startsWith('/') ? '/' : '.') : base;
    // Empty segments come from `a//b` or a trailing `/`; they match nothing, so drop them.
    this.segments = parts.slice(first).filter((s) => s !== '');
  }

  /** Does a file path (segments relative to `base`) match? */
  matches(relative: readonly string[]): boolean {
    return matchFrom(this.segments, 0, relative, 0);
  }

  /** Could a file below this directory (segments relative to `base`) match? Prunes the walk. */
  mayContainMatches(relativeDir: readonly string[]): boolean {
    return prefixFrom(this.segments, 0, relativeDir, 0);
  }
}
