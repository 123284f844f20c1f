/** Output directories for the tests: the bundled real sample and the generated day, converted by `ETLJob`. */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '@etl/core';
import { ETLJob } from '@etl/orchestrator';
import { generateDay } from './generate-day.js';

const SAMPLE_SEGMENT = path.resolve(
  import.meta.dirname,
  '../../../../tooling/fixtures/sample/ready/coinbase/segment_20260809T21_00001.ndjson',
);
export const FAILING_SEGMENT = 'segment_20260810T23_00003.ndjson';

export interface Processed {
  readonly ready: string;
  readonly output: string;
}

async function convert(
  fill: (ready: string) => void,
  channelConfig?: Record<string, unknown>,
): Promise<Processed> {
  const root = mkdtempSync(path.join(tmpdir(), 'etl-report-test-'));
  const ready = path.join(root, 'raw', 'ready', 'coinbase');
  mkdirSync(ready, { recursive: true });
  fill(ready);
  const output = path.join(root, 'processed');
  await new ETLJob({
    inputDir: ready,
    outputDir: output,
    deleteAfterProcessing: false,
    logger: silentLogger,
    ...(channelConfig ? { channelConfig } : {}),
  }).processAll();
  return { ready, output };
}

/** The real bundled segment (BTC-USD, 2026-08-09, 25 s), optionally with other channel settings (partition columns). */
export function processedSample(channelConfig?: Record<string, unknown>): Promise<Processed> {
  return convert(
    (ready) => cpSync(SAMPLE_SEGMENT, path.join(ready, path.basename(SAMPLE_SEGMENT))),
    channelConfig,
  );
}

/** The generated day (see generate-day.ts), plus a segment of garbage that fails (in failed/). */
export function processedGeneratedDay(): Promise<Processed> {
  return convert((ready) => {
    generateDay(ready);
    writeFileSync(path.join(ready, FAILING_SEGMENT), 'not json\nnot json either\n');
  });
}
