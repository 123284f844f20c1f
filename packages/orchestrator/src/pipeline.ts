/**
 * The generic pipeline: one reader, a processor chain, one writer. Rows the chain emits for the
 * source's side datasets (Coinbase: `quality`, `book_snapshot_*`) are written beside the main
 * output; the source's control rows are dropped.
 */
import path from 'node:path';
import {
  type Processor,
  ProcessorChain,
  type Reader,
  type Row,
  type Schema,
  type Source,
  type Stats,
  sideDatasetSchema,
  type WriteResult,
  type Writer,
  type WriteSession,
} from '@etl/core';
import { resolveSource, type SourceChoice } from './sources.js';

export interface ETLPipelineOptions<In> {
  readonly reader: Reader<In>;
  readonly processors: Processor<never, unknown> | readonly Processor<never, unknown>[];
  readonly writer: Writer<Row>;
  /** Whose side datasets and control rows the chain emits (default: Coinbase Advanced Trade). */
  readonly source?: SourceChoice;
}

export interface ExecuteOptions {
  /** File, directory or glob the reader understands. */
  readonly input: string;
  /** Dataset directory of the main output. */
  readonly output: string;
  readonly partitionCols?: readonly string[];
  /** Schema of the main output; by default the chain's declared output schema. */
  readonly schema?: Schema;
  /** Stable id for output file names (default: the input's base name). */
  readonly inputId?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface PipelineResult {
  readonly rows: number;
  readonly files: number;
  readonly datasets: Readonly<Record<string, WriteResult>>;
  readonly stats: { readonly reader: Stats; readonly processor: Stats; readonly writer: Stats };
}

interface SchemaSource {
  schema(input: string): Promise<Schema>;
}

function hasSchema(reader: unknown): reader is SchemaSource {
  return typeof (reader as Partial<SchemaSource>).schema === 'function';
}

export class ETLPipeline<In = unknown> {
  readonly reader: Reader<In>;
  readonly processor: ProcessorChain<In, Row>;
  readonly writer: Writer<Row>;
  private readonly source: Source;

  constructor(options: ETLPipelineOptions<In>) {
    this.reader = options.reader;
    this.source = resolveSource(options.source);
    const list = Array.isArray(options.processors) ? options.processors : [options.processors];
    this.processor = new ProcessorChain<In, Row>(list as readonly Processor<never, unknown>[]);
    this.writer = options.writer;
  }

  /** Where rows of `channel` go: a side dataset's name, null (a control row: dropped) or undefined (the main output). */
  private targetOf(channel: unknown): string | null | undefined {
    if (typeof channel !== 'string') return undefined;
    if (this.source.datasetOfChannel(channel) === null) return null;
    return this.source.sideDataset(channel) ? channel : undefined;
  }

  async execute(options: ExecuteOptions): Promise<PipelineResult> {
    const inputSchema = hasSchema(this.reader) ? await this.reader.schema(options.input) : undefined;
    const schema = options.schema ?? this.processor.outputSchema(inputSchema);
    if (!schema) {
      throw new Error('the processors declare no output schema for this input: pass `schema` to execute()');
    }
    const inputId = options.inputId ?? path.basename(options.input).replace(/[^A-Za-z0-9._-]+/g, '_');
    const sessions = new Map<string, WriteSession<Row>>();
    const open = (dataset: string, dir: string, s: Schema, partitionCols: readonly string[]) => {
      let session = sessions.get(dataset);
      if (!session) {
        session = this.writer.open({
          path: dir,
          schema: s,
          partitionCols,
          inputId,
          ...(options.metadata ? { metadata: options.metadata } : {}),
        });
        sessions.set(dataset, session);
      }
      return session;
    };
    const main = () => open('', options.output, schema, options.partitionCols ?? []);
    const write = async (rows: readonly Row[]) => {
      let mainRows: Row[] | undefined;
      const side = new Map<string, Row[]>();
      // Consecutive rows mostly share a channel: look it up once per run of them.
      let lastChannel: unknown;
      let d: string | null | undefined;
      for (const row of rows) {
        if (row.channel !== lastChannel) {
          lastChannel = row.channel;
          d = this.targetOf(row.channel);
        }
        if (d === null) continue; // a control row
        if (d !== undefined) {
          let l = side.get(d);
          if (!l) side.set(d, (l = []));
          l.push(row);
        } else (mainRows ??= []).push(row);
      }
      if (mainRows) await main().write(mainRows);
      for (const [d, l] of side) {
        const s = sideDatasetSchema(this.source, d);
        if (!s) throw new Error(`rows for side dataset ${d}, which the source declares no schema for`);
        const parts = this.source.sideDataset(d)?.partitionCols ?? [];
        await open(d, path.join(path.dirname(options.output), d), s, parts).write(l);
      }
    };
    try {
      for await (const batch of this.reader.read(options.input)) await write(this.processor.process(batch));
      await write(this.processor.flush());
      main();
      const datasets: Record<string, WriteResult> = {};
      let rows = 0;
      let files = 0;
      for (const [d, session] of sessions) {
        const r = await session.close();
        datasets[d === '' ? path.basename(options.output) : d] = r;
        rows += r.rows;
        files += r.files.length;
      }
      return {
        rows,
        files,
        datasets,
        stats: {
          reader: this.reader.stats(),
          processor: this.processor.stats(),
          writer: this.writer.stats(),
        },
      };
    } catch (error) {
      await Promise.all([...sessions.values()].map((s) => s.abort().catch(() => {})));
      throw error;
    }
  }
}
