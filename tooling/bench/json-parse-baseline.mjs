// Baseline: read the segment's lines and JSON.parse each one, nothing else.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const file = process.argv[2];
let lines = 0;
let events = 0;
const rl = createInterface({
  input: createReadStream(file, { highWaterMark: 1 << 20 }),
  crlfDelay: Infinity,
});
for await (const line of rl) {
  if (!line) continue;
  const v = JSON.parse(line);
  lines++;
  events += v.data?.events?.length ?? 0;
}
process.stdout.write(JSON.stringify({ lines, events }));
