/**
 * Object storage benchmark (not a test): the same generated segment converted local → local and
 * s3 → s3 (OpenStack Swift with s3api on loopback, started here), in one run on this machine,
 * each `etl run` in its own child process: wall time, MiB/s of input, CPU seconds and peak RSS.
 * Needs Debian's swift-proxy swift-object swift-container swift-account and a build (`pnpm build`).
 *
 * Usage: tsx --conditions=@etl/source tooling/bench/object-storage.ts [--mib 100]
 */
import { createReadStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { createBucket, startSwiftServer } from '@etl/storage-s3/testing';
import { generateSegment } from './generate-segment.js';
import { runMeasured } from './measured-process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'apps', 'cli', 'dist', 'bin.js');
const WORK = path.join(tmpdir(), 'etl-bench-object-storage');

const argv = process.argv.slice(2);
const mib = Number(argv[argv.indexOf('--mib') + 1] || 100);
const SEGMENT_NAME = 'segment_20260809T23_00001.ndjson';

interface Measured {
  name: string;
  seconds: number;
  mibPerS: number;
  cpuSeconds: number;
  peakRssMb: number;
  load: number;
}

function measure(name: string, inputBytes: number, args: string[], env: NodeJS.ProcessEnv = {}): Measured {
  const rssFile = path.join(WORK, `rss-${name.replace(/\W+/g, '-')}.json`);
  const { seconds, cpuSeconds, peakRssMb, load } = runMeasured(name, [CLI, ...args], { rssFile, env });
  return { name, seconds, mibPerS: inputBytes / 2 ** 20 / seconds, cpuSeconds, peakRssMb, load };
}

async function main(): Promise<void> {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const segment = path.join(tmpdir(), 'etl-bench-segments', `object-storage-${mib}MiB.ndjson`);
  await generateSegment(segment, { bytes: mib * 2 ** 20 });
  const bytes = statSync(segment).size;
  process.stdout.write(`segment: ${(bytes / 2 ** 20).toFixed(1)} MiB, ${cpus().length} cores\n`);

  const ready = path.join(WORK, 'raw', 'ready', 'coinbase');
  mkdirSync(ready, { recursive: true });
  const { copyFileSync } = await import('node:fs');
  copyFileSync(segment, path.join(ready, SEGMENT_NAME));
  const local = measure('local → local', bytes, [
    'run',
    '--input',
    ready,
    '--output',
    path.join(WORK, 'out'),
    '--json',
  ]);

  const server = await startSwiftServer();
  try {
    const bucket = await createBucket(server);
    const upload = await bucket.upload(`raw/ready/coinbase/${SEGMENT_NAME}`);
    for await (const chunk of createReadStream(segment, { highWaterMark: 1 << 20 }))
      await upload.write(chunk as Buffer);
    await bucket.complete(await upload.seal());
    const s3 = measure(
      's3 → s3 (Swift, loopback)',
      bytes,
      [
        'run',
        '--input',
        `s3://${bucket.bucket}/raw/ready/coinbase`,
        '--output',
        `s3://${bucket.bucket}/processed`,
        '--json',
      ],
      server.env,
    );
    process.stdout.write(
      '\n| pipeline | MiB/s | wall s | CPU s | peak RSS (MB) | load |\n|---|---|---|---|---|---|\n',
    );
    for (const m of [local, s3]) {
      process.stdout.write(
        `| ${m.name} | ${m.mibPerS.toFixed(1)} | ${m.seconds.toFixed(1)} | ${m.cpuSeconds.toFixed(1)} | ${m.peakRssMb.toFixed(0)} | ${m.load.toFixed(1)} |\n`,
      );
    }
    process.stdout.write(
      `\ns3 → s3 / local → local throughput: ${(s3.mibPerS / local.mibPerS).toFixed(2)}\n`,
    );
  } finally {
    await server.stop();
    rmSync(WORK, { recursive: true, force: true });
  }
}

await main();
