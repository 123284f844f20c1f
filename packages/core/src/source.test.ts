import { describe, expect, it } from 'vitest';
import { silentLogger } from './logger.js';
import { mapProcessor, ProcessorChain } from './processor.js';
import type { Row, SourceRecord } from './reader.js';
import { col, defineSchema } from './schema.js';
import {
  defineSource,
  isSource,
  SOURCE_API_VERSION,
  type SourceDefinition,
  sideDatasetSchema,
} from './source.js';
import { option } from './source-options.js';

const fills = defineSchema([col.string('symbol'), col.double('price')]);
const events = defineSchema([col.string('kind')]);

const definition: SourceDefinition = {
  name: 'acme',
  description: 'a made-up exchange',
  datasets: [
    {
      name: 'fills',
      description: 'fills',
      schema: fills,
      partitionCols: ['symbol'],
      rowChannels: ['fill', 'fills'],
      inputChannels: ['match'],
      options: { scale: option.positiveNumber('price scale', 1) },
    },
  ],
  sideDatasets: [
    { name: 'events', description: 'events', schema: events, partitionCols: ['date'] },
    {
      name: 'snap_',
      prefix: true,
      description: 'snapshots',
      schema: (d) => (d === 'snap_1' ? fills : undefined),
      partitionCols: ['symbol', 'date'],
    },
  ],
  controlChannels: ['_seq'],
  parser: () => mapProcessor<SourceRecord, Row>('p', (r) => r.value as Row),
  processors: ({ datasets }) => [
    mapProcessor<Row, Row>('scale', (row) =>
      row.channel === 'fill'
        ? { ...row, price: (row.price as number) * (datasets.fills?.processorOptions.scale as number) }
        : row,
    ),
  ],
};

describe('defineSource', () => {
  it('answers which dataset a row channel and an input channel belong to', () => {
    const s = defineSource(definition);
    expect(isSource(s)).toBe(true);
    expect(s.apiVersion).toBe(SOURCE_API_VERSION);
    expect(s.directory).toBe('acme');
    expect(s.datasetOfChannel('fill')).toBe('fills');
    expect(s.datasetOfChannel('fills')).toBe('fills');
    expect(s.datasetOfChannel('_seq')).toBeNull();
    expect(s.datasetOfChannel('constructor')).toBeUndefined();
    expect(s.datasetOfInput('match')).toBe('fills');
    expect(s.datasetOfInput('fill')).toBeUndefined();
    expect(s.dataset('fills')?.partitionCols).toEqual(['symbol']);
    expect(s.dataset('events')).toBeUndefined();
    expect(s.sideDataset('events')?.partitionCols).toEqual(['date']);
    expect(sideDatasetSchema(s, 'events')).toBe(events);
    expect(sideDatasetSchema(s, 'snap_1')).toBe(fills);
    expect(sideDatasetSchema(s, 'snap_2')).toBeUndefined();
    expect(sideDatasetSchema(s, 'fills')).toBeUndefined();
  });

  it('builds the chain its declaration describes', () => {
    const s = defineSource(definition);
    const context = {
      datasets: { fills: { enabled: true, processorOptions: { scale: 2 } } },
      logger: silentLogger,
      messagesEndAtBatchEnd: false,
    };
    const processors = new ProcessorChain<Row, Row>(s.processors(context));
    const chain = new ProcessorChain([s.parser({ ...context, processors }), processors]);
    const rows = chain.process([{ file: 'f', line: 1, bytes: 1, value: { channel: 'fill', price: 1.5 } }]);
    expect(rows).toEqual([{ channel: 'fill', price: 3 }]);
  });

  it('refuses a broken declaration when it is loaded', () => {
    expect(() => defineSource({ ...definition, name: 'Acme Exchange' })).toThrow(
      /source name "Acme Exchange"/,
    );
    expect(() => defineSource({ ...definition, datasets: [] })).toThrow(/at least one dataset/);
    expect(() =>
      defineSource({ ...definition, datasets: [definition.datasets[0]!, definition.datasets[0]!] }),
    ).toThrow(/dataset fills is declared twice/);
    expect(() => defineSource({ ...definition, controlChannels: ['fill'] })).toThrow(
      /channel fill is declared twice/,
    );
    expect(() =>
      defineSource({ ...definition, sideDatasets: [{ ...definition.sideDatasets![0]!, name: 'fills' }] }),
    ).toThrow(/side dataset "fills"/);
    expect(() => defineSource({ ...definition, parser: undefined as never })).toThrow(
      /parser must be a function/,
    );
    expect(isSource({ name: 'acme' })).toBe(false);
  });
});
