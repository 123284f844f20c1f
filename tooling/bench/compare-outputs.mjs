// Differential check for performance work: `node compare-outputs.mjs <output A> <output B>` reads
// every dataset under two `etl run` outputs (…/<source>/<dataset>/**.parquet, Hive partitions) and
// counts the rows of A EXCEPT ALL B and of B EXCEPT ALL A. Exit 1 when any dataset differs.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const [a, b] = process.argv.slice(2);
if (!a || !b) {
  process.stderr.write('usage: compare-outputs.mjs <output A> <output B>\n');
  process.exit(2);
}
const q = (s) => `'${s.replaceAll("'", "''")}'`;
/** Dataset directories (relative) that hold Parquet files, skipping `_state`, `_manifests`, … */
function datasets(root) {
  const found = [];
  for (const source of readdirSync(root)) {
    if (!statSync(path.join(root, source)).isDirectory()) continue;
    for (const d of readdirSync(path.join(root, source))) {
      if (!d.startsWith('_') && statSync(path.join(root, source, d)).isDirectory())
        found.push(`${source}/${d}`);
    }
  }
  return found;
}
const names = [...new Set([...datasets(a), ...datasets(b)])].sort();
const c = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
const scan = (root, d) =>
  `read_parquet(${q(path.join(root, d, '**', '*.parquet'))}, hive_partitioning = true, union_by_name = true)`;
let differs = false;
for (const d of names) {
  try {
    const count = async (x, y) =>
      Number(
        (
          await c.runAndReadAll(`SELECT count(*) FROM (FROM ${scan(x, d)} EXCEPT ALL FROM ${scan(y, d)})`)
        ).getRows()[0][0],
      );
    const rows = Number((await c.runAndReadAll(`SELECT count(*) FROM ${scan(a, d)}`)).getRows()[0][0]);
    const onlyA = await count(a, b);
    const onlyB = await count(b, a);
    if (onlyA || onlyB) differs = true;
    process.stdout.write(`${d}: ${rows} rows; only in A ${onlyA}, only in B ${onlyB}\n`);
  } catch (error) {
    differs = true;
    process.stdout.write(`${d}: ${error.message.split('\n')[0]}\n`);
  }
}
process.exit(differs ? 1 : 0);
