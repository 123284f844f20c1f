/**
 * The jobs segments become, shared by the enqueuer, the workers and the status report.
 *
 * Three queues per pipeline (`<name>-state`, `<name>-convert`, `<name>-commit`):
 * - `state` jobs save the book state after a segment (the cheap, strictly ordered chain);
 * - `convert` jobs turn a segment into datasets; a segment's convert job is the parent of its
 *   predecessor's state job, so it starts once the state it restores exists;
 * - `commit` jobs are the parents of one date's convert jobs (a BullMQ Flow) and write the
 *   date's manifest once all of them are done.
 * Job ids are segment ids, so enqueueing a segment twice adds nothing.
 */
import { ConfigError } from '@etl/core';

export const STATE_JOB = 'book-state';
export const CONVERT_JOB = 'convert';
export const COMMIT_JOB = 'commit-date';

export const DEFAULT_QUEUE_NAME = 'etl';

export interface SegmentQueueNames {
  readonly base: string;
  readonly state: string;
  readonly convert: string;
  readonly commit: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** Queue names of one pipeline; `base` must be a plain name (BullMQ reserves `:`). */
export function segmentQueueNames(base: string = DEFAULT_QUEUE_NAME): SegmentQueueNames {
  if (!NAME_RE.test(base)) {
    throw new ConfigError(
      'queueName',
      `${JSON.stringify(base)} is not a queue name (letters, digits, '_', '-', '.')`,
    );
  }
  return { base, state: `${base}-state`, convert: `${base}-convert`, commit: `${base}-commit` };
}

/** Payload of `state` and `convert` jobs. */
export interface SegmentJobData {
  /** Segment file name, e.g. `segment_20260809T21_00001.ndjson`. */
  readonly segment: string;
  /** Segment id (file name without extensions); also the job id. */
  readonly inputId: string;
  /** Where the segment is, as a URL the workers' storage resolves (`file:///…` on a shared filesystem). */
  readonly url: string;
  /** The segment before it in the chain (its book state is restored), or null for the first. */
  readonly predecessor: string | null;
  /** `YYYY-MM-DD` the segment was opened (from its name), or null. */
  readonly date: string | null;
  /**
   * The queue's epoch when the job was added (see {@link epochKey}); a worker that finds another
   * epoch, or none, in Redis knows the queue's state was lost since. Absent in older jobs.
   */
  readonly epoch?: string;
}

/** Payload of `commit` jobs. */
export interface CommitJobData {
  readonly date: string;
  readonly epoch?: string;
  /** Segment ids of the batch this commit closes. */
  readonly segments: readonly string[];
}

export interface DatasetCounts {
  rows: number;
  files: number;
  bytes: number;
}

/** What a `convert` job returns. */
export interface ConvertJobResult {
  readonly inputId: string;
  readonly segment: string;
  /** `converted`, or `already-done` when a retry found the segment committed and its input finished. */
  readonly status: 'converted' | 'already-done';
  readonly datasets: Readonly<Record<string, DatasetCounts>>;
  readonly quarantinedLines: number;
  readonly lines: number;
  readonly bytesIn: number;
  readonly staleTemporariesRemoved: number;
  readonly ms: number;
}

/** What a `state` job returns. */
export interface StateJobResult {
  readonly inputId: string;
  /** `saved` by this job, or `present` because a conversion (or earlier pass) saved it already. */
  readonly status: 'saved' | 'present';
  readonly restoredFrom: string | null;
  readonly ms: number;
}

/** What a `commit` job returns. */
export interface CommitJobResult {
  readonly date: string;
  readonly complete: boolean;
  readonly segments: number;
  readonly failed: readonly string[];
  readonly manifest: string;
}

/**
 * Redis key holding the queue's epoch: a random id written by the first enqueue into an empty
 * Redis and carried by every job. Redis restarted without persistence (or flushed) loses it
 * with the jobs, which is how workers tell "no work left" from "the work was forgotten".
 */
export function epochKey(prefix: string, queues: SegmentQueueNames): string {
  return `${prefix}:${queues.base}:epoch`;
}

/** The segment id in a BullMQ job key (`bull:<queue>:<id>`). */
export function jobIdFromKey(key: string): string {
  const i = key.lastIndexOf(':');
  return i >= 0 ? key.slice(i + 1) : key;
}
