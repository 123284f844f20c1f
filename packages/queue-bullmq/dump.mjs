import { Queue } from 'bullmq';

const connection = { path: '/tmp/bq/r/redis.sock' };
const name = process.argv[2];
let t0 = Infinity;
const rows = [];
for (const k of ['state', 'convert', 'commit']) {
  const q = new Queue(`${name}-${k}`, { connection });
  for (const j of await q.getJobs(['completed', 'failed'])) {
    rows.push([
      k,
      j.id,
      j.timestamp,
      j.processedOn,
      j.finishedOn,
      j.attemptsStarted,
      j.returnvalue?.status,
      j.returnvalue?.ms,
    ]);
    t0 = Math.min(t0, j.timestamp);
  }
  await q.close();
}
rows.sort((a, b) => a[3] - b[3]);
for (const r of rows)
  console.log(
    r[0].padEnd(8),
    String(r[1]).slice(-14).padEnd(16),
    'start',
    r[3] - t0,
    'end',
    r[4] - t0,
    'dur',
    r[4] - r[3],
    'att',
    r[5],
    r[6] ?? '',
    r[7] ?? '',
  );
