/** What one worker process did: its job results added up, for its summary and its stats. */
import { type Stats, StatsCollector } from '@etl/core';
import type { QueueStateLoss } from './queue-loss.js';
import type { CommitJobResult, ConvertJobResult, DatasetCounts, StateJobResult } from './segment-jobs.js';

export interface JobFailure {
  readonly queue: string;
  readonly job: string;
  readonly reason: string;
  readonly attempts: number;
  /** No attempt is left: the job is in the failed set. */
  readonly final: boolean;
}

export interface WorkerSummary {
  segments: { converted: number; alreadyDone: number; failed: number };
  /** Ids of the segments this worker converted. */
  converted_segments: string[];
  states: { saved: number; present: number };
  commits: { dates: string[]; incomplete: string[] };
  datasets: Record<string, DatasetCounts>;
  quarantined_lines: number;
  lines: number;
  bytes_in: number;
  elapsed_s: number;
  /** Failed attempts this worker saw (retried ones included). */
  failures: JobFailure[];
  /** Jobs of the pipeline (any worker's) that failed for good while this worker ran. */
  failed_jobs: JobFailure[];
  /**
   * Segments this worker converted (output committed, input finished) whose completion the queue
   * never recorded, because Redis lost the job. They are in `converted_segments` too.
   */
  unrecorded_segments: string[];
  /** Set when the queue's state in Redis vanished while this worker ran: the run is not complete. */
  queue_state_lost: QueueStateLoss | null;
}

/** Adds job results into a {@link WorkerSummary} and the worker's {@link Stats}. */
export class WorkerTally {
  private readonly s: WorkerSummary = {
    segments: { converted: 0, alreadyDone: 0, failed: 0 },
    converted_segments: [],
    states: { saved: 0, present: 0 },
    commits: { dates: [], incomplete: [] },
    datasets: {},
    quarantined_lines: 0,
    lines: 0,
    bytes_in: 0,
    elapsed_s: 0,
    failures: [],
    failed_jobs: [],
    unrecorded_segments: [],
    queue_state_lost: null,
  };
  private readonly stats_ = new StatsCollector('segment-worker');

  state(result: StateJobResult): void {
    this.stats_.count(`state_${result.status}`);
    if (result.status === 'saved') this.s.states.saved++;
    else this.s.states.present++;
  }

  converted(result: ConvertJobResult, how: { unrecorded?: boolean } = {}): void {
    this.stats_.recordsIn += result.lines;
    this.stats_.bytesIn += result.bytesIn;
    if (result.status === 'already-done') {
      this.s.segments.alreadyDone++;
      this.stats_.count('segments_already_done');
      return;
    }
    this.s.segments.converted++;
    this.s.converted_segments.push(result.inputId);
    if (how.unrecorded) this.s.unrecorded_segments.push(result.inputId);
    this.stats_.count('segments_converted');
    this.s.quarantined_lines += result.quarantinedLines;
    this.s.lines += result.lines;
    this.s.bytes_in += result.bytesIn;
    for (const [name, d] of Object.entries(result.datasets)) {
      const into = (this.s.datasets[name] ??= { rows: 0, files: 0, bytes: 0 });
      into.rows += d.rows;
      into.files += d.files;
      into.bytes += d.bytes;
      this.stats_.recordsOut += d.rows;
      this.stats_.bytesOut += d.bytes;
    }
  }

  committed(result: CommitJobResult): void {
    this.s.commits.dates.push(result.date);
    if (!result.complete) this.s.commits.incomplete.push(result.date);
    this.stats_.count('dates_committed');
  }

  failed(failure: JobFailure, segmentFailed: boolean): void {
    this.s.failures.push(failure);
    this.stats_.errors++;
    if (segmentFailed) this.s.segments.failed++;
  }

  finished(elapsedS: number, failedJobs: JobFailure[], lost?: QueueStateLoss): void {
    this.s.elapsed_s = elapsedS;
    this.s.failed_jobs = failedJobs;
    this.s.queue_state_lost = lost ?? null;
  }

  summary(): WorkerSummary {
    return structuredClone(this.s);
  }

  stats(): Stats {
    return this.stats_.snapshot();
  }
}
