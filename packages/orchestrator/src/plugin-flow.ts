/**
 * The plugin processors of every channel, as one stateful stage after the built-in processors.
 *
 * A channel's entries run in the order written, each fed what the entry before it emitted (the
 * first: the channel's rows). An entry with `output` writes what it emits to that dataset; the
 * channel's own dataset gets what the last entry without `output` emitted (the channel's rows
 * unchanged when every entry has an `output`). The processors live as long as the pipeline that
 * owns them, and their `checkpoint()`/`restore()` state travels with the built-in processors'
 * (see {@link chainCheckpoint}), so a windowed plugin does not depend on how the input was cut.
 */
import {
  ConfigError,
  type Logger,
  type Processor,
  type ProcessorRegistry,
  type Row,
  type Schema,
} from '@etl/core';
import { isRecord } from '@etl/core/internal';
import type { ResolvedChannels } from './channel-config.js';

/** Rows one step of a channel's plugins emitted for one dataset. */
export interface PluginRows {
  /** The channel whose plugins emitted them. */
  readonly channel: string;
  readonly dataset: string;
  readonly rows: readonly Row[];
  readonly schema: Schema;
  readonly partitionCols: readonly string[];
}

interface PluginEntry {
  readonly processor: Processor<Row, Row>;
  /** Where the entry sits in the config, for errors and for matching a checkpoint. */
  readonly key: string;
  readonly use: string;
  readonly output: string | undefined;
  readonly partitionCols: readonly string[];
}

/** What a channel's plugins carry in a checkpoint: their names, to restore only a matching list. */
interface ChannelPluginState {
  readonly uses: readonly string[];
  readonly states: readonly unknown[];
}

class ChannelPlugins {
  /** Index of the last entry without `output` (whose rows fill the channel's dataset), or -1. */
  private readonly mainIndex: number;
  private schemas: (Schema | undefined)[] | undefined;

  constructor(
    readonly channel: string,
    private readonly entries: readonly PluginEntry[],
    private readonly channelPartitions: readonly string[],
    private readonly inputSchema: () => Schema | undefined,
  ) {
    this.mainIndex = entries.findLastIndex((e) => e.output === undefined);
  }

  /** Output schema of each entry, given the channel's schema (asked once: plugins may build them anew). */
  private entrySchemas(): (Schema | undefined)[] {
    if (!this.schemas) {
      let schema = this.inputSchema();
      this.schemas = this.entries.map((e) => (schema = e.processor.outputSchema(schema)));
    }
    return this.schemas;
  }

  private schemaOf(index: number, dataset: string): Schema {
    const schema = index < 0 ? this.inputSchema() : this.entrySchemas()[index];
    if (!schema) {
      const who = index < 0 ? `channel ${this.channel}` : `processor ${this.entries[index]!.use}`;
      throw new Error(`${who} declares no output schema for dataset ${dataset}`);
    }
    return schema;
  }

  process(rows: readonly Row[]): PluginRows[] {
    return this.run((e, carried) => e.processor.process(carried), rows);
  }

  /** End of input: each entry's flushed rows pass through the entries after it, which then flush. */
  flush(): PluginRows[] {
    return this.run((e, carried) => {
      const passed = carried.length ? e.processor.process(carried) : [];
      const flushed = e.processor.flush ? e.processor.flush() : [];
      return flushed.length ? passed.concat(flushed) : passed;
    }, []);
  }

  private run(step: (e: PluginEntry, carried: readonly Row[]) => Row[], input: readonly Row[]): PluginRows[] {
    const out: PluginRows[] = [];
    let carried: readonly Row[] = input;
    let main = this.mainIndex < 0 ? input : undefined;
    this.entries.forEach((e, i) => {
      carried = step(e, carried);
      if (e.output !== undefined && carried.length)
        out.push({
          channel: this.channel,
          dataset: e.output,
          rows: carried,
          schema: this.schemaOf(i, e.output),
          partitionCols: e.partitionCols,
        });
      if (i === this.mainIndex) main = carried;
    });
    if (main?.length)
      out.push({
        channel: this.channel,
        dataset: this.channel,
        rows: main,
        schema: this.schemaOf(this.mainIndex, this.channel),
        partitionCols: this.channelPartitions,
      });
    return out;
  }

  checkpoint(): ChannelPluginState {
    return {
      uses: this.entries.map((e) => e.use),
      // A copy taken now: the live stream saves it later, while the processor goes on, and a
      // plugin may well return its live objects.
      states: this.entries.map((e) =>
        e.processor.checkpoint ? structuredClone(e.processor.checkpoint()) : null,
      ),
    };
  }

  /** Restores a state saved by the same list of processors; returns false (nothing restored) otherwise. */
  restore(state: unknown): boolean {
    if (!isRecord(state) || !Array.isArray(state.uses) || !Array.isArray(state.states)) return false;
    const { uses, states } = state as unknown as ChannelPluginState;
    if (uses.length !== this.entries.length || uses.some((u, i) => u !== this.entries[i]!.use)) return false;
    this.entries.forEach((e, i) => {
      const s = states[i];
      if (e.processor.restore && s !== null && s !== undefined) e.processor.restore(s);
    });
    return true;
  }
}

export class PluginFlow {
  private readonly byChannel = new Map<string, ChannelPlugins>();

  /**
   * Creates every configured plugin processor (a misspelt name is a {@link ConfigError} now).
   * `channelSchema` gives the schema of a channel's rows as the built-in processors emit them.
   */
  constructor(
    channels: ResolvedChannels,
    registry: ProcessorRegistry | undefined,
    logger: Logger,
    channelSchema: (channel: string) => Schema | undefined,
  ) {
    for (const channel of Object.values(channels)) {
      if (!channel.processors.length) continue;
      if (!registry) {
        throw new ConfigError(
          `etl.channels.${channel.dataset}.processors`,
          'names plugin processors, but no plugins are loaded (list them under "plugins")',
        );
      }
      const entries = channel.processors.map((ref, i): PluginEntry => {
        const key = `etl.channels.${channel.dataset}.processors[${i}]`;
        return {
          processor: registry.create(ref.use, ref.options ?? {}, { logger }, key) as Processor<Row, Row>,
          key,
          use: ref.use,
          output: ref.output,
          partitionCols: ref.partitionCols ?? channel.partitionCols,
        };
      });
      // A disabled channel's plugins never see rows; they are still created, so the config is checked.
      if (!channel.enabled) continue;
      const schema = () => channelSchema(channel.dataset);
      this.byChannel.set(
        channel.dataset,
        new ChannelPlugins(channel.dataset, entries, channel.partitionCols, schema),
      );
    }
  }

  get empty(): boolean {
    return this.byChannel.size === 0;
  }

  /** True when `channel`'s rows go through plugins (then {@link process} says where they go). */
  has(channel: string): boolean {
    return this.byChannel.has(channel);
  }

  process(channel: string, rows: readonly Row[]): PluginRows[] {
    return this.byChannel.get(channel)?.process(rows) ?? [];
  }

  flush(): PluginRows[] {
    return [...this.byChannel.values()].flatMap((c) => c.flush());
  }

  checkpoint(): Record<string, ChannelPluginState> {
    const out: Record<string, ChannelPluginState> = {};
    for (const [channel, plugins] of this.byChannel) out[channel] = plugins.checkpoint();
    return out;
  }

  /** Restores each channel whose saved processor list matches; returns the channels that did not. */
  restore(state: unknown): string[] {
    const saved = isRecord(state) ? state : {};
    return [...this.byChannel]
      .filter(([channel, plugins]) => !plugins.restore(saved[channel]))
      .map(([channel]) => channel);
  }
}

/** A stateful processor: the built-in chain's part a checkpoint holds. */
interface Stateful {
  checkpoint(): unknown;
  restore(state: unknown): void;
}

/**
 * The state after an input: the built-in processors' state as before when no plugin runs (so
 * existing checkpoints stay byte for byte what they were), else that and the plugins' state.
 */
export function chainCheckpoint(builtin: Stateful, plugins: PluginFlow): unknown {
  const chain = builtin.checkpoint();
  return plugins.empty ? chain : { chain, plugins: plugins.checkpoint() };
}

/** Restores what {@link chainCheckpoint} saved (or a checkpoint from before plugins had state). */
export function restoreChain(builtin: Stateful, plugins: PluginFlow, state: unknown, logger: Logger): void {
  const withPlugins = isRecord(state) && 'chain' in state && 'plugins' in state;
  builtin.restore(withPlugins ? state.chain : state);
  if (plugins.empty) return;
  const fresh = plugins.restore(withPlugins ? state.plugins : undefined);
  if (fresh.length)
    logger.info('plugin processors start without saved state (none saved for this processor list)', {
      channels: fresh.join(','),
    });
}
