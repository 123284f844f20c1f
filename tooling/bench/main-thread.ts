/**
 * The main thread's share of a segment run, in one process and without the writer: NDJSON reader
 * (with the l2_data line scanner) → RawParser → Level2Processor (flatten: sequence checks only;
 * book: book and features). CPU seconds of this process per round (the machine may be shared:
 * CPU time moves less than wall time with the load), fastest of --rounds kept, both variants
 * alternating. For profiling: `node --cpu-prof --import tsx … main-thread.ts <segment> book`.
 *
 *   npx tsx --conditions=@etl/source tooling/bench/main-thread.ts <segment.ndjson> [flatten|book|both] [rounds]
 */
import type { Row, SourceRecord } from '../../packages/core/src/index.js';
import {
  AdvancedTradeLineScanner,
  Level2Processor,
  RawParser,
} from '../../packages/processors-coinbase/src/index.js';
import { NDJSONReader } from '../../packages/readers-ndjson/src/index.js';

type Variant = 'flatten' | 'book';

async function round(file: string, variant: Variant): Promise<{ cpu: number; rows: number }> {
  const level2 = new Level2Processor(
    variant === 'book' ? {} : { reconstructLob: false, computeFeatures: false },
  );
  const added = (
    level2.outputSchema({ fields: [{ name: 'price_level', type: 'double', nullable: true }] } as never)
      ?.fields ?? []
  )
    .map((f) => f.name)
    .filter((n) => n !== 'price_level');
  const parser = new RawParser({ source: 'coinbase', level2Columns: added });
  const reader = new NDJSONReader({ lineParser: new AdvancedTradeLineScanner() });
  let rows = 0;
  const before = process.cpuUsage();
  for await (const batch of reader.read(file)) {
    const out: Row[] = level2.process(parser.process(batch as SourceRecord[]));
    rows += out.length;
  }
  rows += level2.flush().length;
  const used = process.cpuUsage(before);
  return { cpu: (used.user + used.system) / 1e6, rows };
}

const [file, which = 'both', roundsArg = '3'] = process.argv.slice(2);
if (!file) throw new Error('usage: main-thread.ts <segment> [flatten|book|both] [rounds]');
const variants: Variant[] = which === 'both' ? ['flatten', 'book'] : [which as Variant];
const best = new Map<Variant, { cpu: number; rows: number }>();
for (let r = 0; r < Number(roundsArg); r++) {
  for (const v of variants) {
    const m = await round(file, v);
    const prev = best.get(v);
    if (!prev || m.cpu < prev.cpu) best.set(v, m);
  }
}
for (const [v, m] of best) process.stdout.write(`${v}: ${m.cpu.toFixed(3)} CPU s, ${m.rows} rows\n`);
