/**
 * One child node process, measured: wall seconds, CPU seconds of every thread and peak RSS, which
 * report-rss.mjs (loaded with --import) writes to a file as the process exits.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';

const RSS = path.join(import.meta.dirname, 'report-rss.mjs');

export interface ProcessUsage {
  seconds: number;
  /** User + system CPU seconds of the process (every thread). */
  cpuSeconds: number;
  peakRssMb: number;
  /** One-minute load average when the process started (2 cores: above 2 means contention). */
  load: number;
  stdout: string;
}

/** Runs `node --import report-rss.mjs ...args`; throws naming `label` when it exits non-zero. */
export function runMeasured(
  label: string,
  args: readonly string[],
  options: { rssFile: string; env?: NodeJS.ProcessEnv },
): ProcessUsage {
  rmSync(options.rssFile, { force: true });
  const load = loadavg()[0] ?? 0;
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', RSS, ...args], {
    env: { ...process.env, ...options.env, BENCH_RSS_FILE: options.rssFile },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const usage = JSON.parse(readFileSync(options.rssFile, 'utf8')) as {
    maxRssBytes: number;
    userCpuMs: number;
    systemCpuMs: number;
  };
  return {
    seconds,
    cpuSeconds: (usage.userCpuMs + usage.systemCpuMs) / 1000,
    peakRssMb: usage.maxRssBytes / 1e6,
    load,
    stdout: r.stdout,
  };
}
