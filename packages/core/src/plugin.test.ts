import { describe, expect, it } from 'vitest';
import { ConfigError, EtlError } from './errors.js';
import { type Logger, MemoryLogger, silentLogger } from './logger.js';
import {
  definePlugin,
  isPlugin,
  PLUGIN_API_VERSION,
  type PluginDefinition,
  ProcessorRegistry,
} from './plugin.js';
import { mapProcessor } from './processor.js';
import type { Row } from './reader.js';

/** A factory whose processor remembers what it was made with. */
function tagFactory(tag: string) {
  return (options: Readonly<Record<string, unknown>>, context: { logger: Logger }) => {
    context.logger.info(`made ${tag}`, { options });
    return mapProcessor<Row, Row>(`${tag}:${JSON.stringify(options)}`, (row) => ({ ...row, tag }));
  };
}

function plugin(name: string, processors: string[], version = '1.0.0') {
  return definePlugin({
    name,
    version,
    processors: Object.fromEntries(processors.map((p) => [p, tagFactory(`${name}/${p}`)])),
  });
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('definePlugin', () => {
  it('returns a frozen plugin stamped with the API version', () => {
    const processors = { vwap: tagFactory('vwap') };
    const p = definePlugin({ name: '@acme/etl-vwap', version: '2.3.4-beta.1', processors });
    expect(p.name).toBe('@acme/etl-vwap');
    expect(p.version).toBe('2.3.4-beta.1');
    expect(p.apiVersion).toBe(PLUGIN_API_VERSION);
    expect(PLUGIN_API_VERSION).toBe(1);
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.processors)).toBe(true);
    // Later changes to the caller's object do not leak in.
    (processors as Record<string, unknown>).other = tagFactory('other');
    expect(Object.keys(p.processors)).toEqual(['vwap']);
    expect(isPlugin(p)).toBe(true);
  });

  it('explains what is wrong with a definition', () => {
    const ok = { vwap: tagFactory('vwap') };
    const cases: [unknown, string][] = [
      [null, 'definePlugin expects an object'],
      ['etl-vwap', 'definePlugin expects an object'],
      [
        { name: 'Etl-VWAP', version: '1.0.0', processors: ok },
        'plugin name "Etl-VWAP" is not a valid npm package name',
      ],
      [
        { name: '../evil', version: '1.0.0', processors: ok },
        'plugin name "../evil" is not a valid npm package name',
      ],
      [
        { name: '@scope', version: '1.0.0', processors: ok },
        'plugin name "@scope" is not a valid npm package name',
      ],
      [{ version: '1.0.0', processors: ok }, 'plugin name undefined is not a valid npm package name'],
      [
        { name: 'etl-vwap', version: '1.0', processors: ok },
        'plugin etl-vwap: version must be semver, got "1.0"',
      ],
      [{ name: 'etl-vwap', version: 1, processors: ok }, 'plugin etl-vwap: version must be semver, got 1'],
      [
        { name: 'etl-vwap', version: '1.0.0' },
        'plugin etl-vwap: processors must name at least one processor factory',
      ],
      [
        { name: 'etl-vwap', version: '1.0.0', processors: {} },
        'plugin etl-vwap: processors must name at least one processor factory',
      ],
      [
        { name: 'etl-vwap', version: '1.0.0', processors: { 'a/b': tagFactory('x') } },
        'plugin etl-vwap: bad processor name "a/b"',
      ],
      [
        { name: 'etl-vwap', version: '1.0.0', processors: { ' vwap': tagFactory('x') } },
        'plugin etl-vwap: bad processor name " vwap"',
      ],
      [
        { name: 'etl-vwap', version: '1.0.0', processors: { vwap: 'not a function' } },
        'plugin etl-vwap: processor vwap must be a factory function',
      ],
    ];
    for (const [definition, message] of cases) {
      const error = thrown(() => definePlugin(definition as PluginDefinition));
      expect(error, message).toBeInstanceOf(TypeError);
      expect(error.message).toBe(message);
    }
  });

  it('isPlugin recognises plugin-shaped values only', () => {
    expect(isPlugin(null)).toBe(false);
    expect(isPlugin('x')).toBe(false);
    expect(isPlugin({ name: 'x', processors: {} })).toBe(false);
    expect(isPlugin({ name: 'x', apiVersion: 1, processors: {} })).toBe(true);
  });
});

describe('ProcessorRegistry', () => {
  it('creates processors by bare name and by plugin/name, passing options and logger', () => {
    const registry = new ProcessorRegistry().register(plugin('etl-vwap', ['vwap', 'twap']));
    expect(registry.names()).toEqual(['etl-vwap/twap', 'etl-vwap/vwap', 'twap', 'vwap']);
    expect(registry.has('vwap')).toBe(true);
    expect(registry.has('etl-vwap/vwap')).toBe(true);
    expect(registry.has('nope')).toBe(false);
    const logger = new MemoryLogger();
    const bare = registry.create('vwap', { window: '1m' }, { logger });
    expect(bare.name).toBe('etl-vwap/vwap:{"window":"1m"}');
    expect(logger.records).toEqual([
      { level: 'info', message: 'made etl-vwap/vwap', fields: { options: { window: '1m' } } },
    ]);
    const full = registry.create('etl-vwap/twap') as unknown as { process(b: Row[]): Row[]; name: string };
    expect(full.name).toBe('etl-vwap/twap:{}');
    expect(full.process([{ a: 1 }])).toEqual([{ a: 1, tag: 'etl-vwap/twap' }]);
    expect(registry.listPlugins().map((p) => p.name)).toEqual(['etl-vwap']);
  });

  it('defaults the factory logger to silentLogger', () => {
    let seen: Logger | undefined;
    const registry = new ProcessorRegistry().register(
      definePlugin({
        name: 'p',
        version: '0.0.1',
        processors: {
          x: (_options, context) => {
            seen = context.logger;
            return mapProcessor('x', (row: Row) => row);
          },
        },
      }),
    );
    registry.create('x');
    expect(seen).toBe(silentLogger);
  });

  it('makes a bare name shared by two plugins ambiguous and lists the full names', () => {
    const registry = new ProcessorRegistry()
      .register(plugin('@acme/bars', ['vwap', 'ohlc']))
      .register(plugin('etl-vwap', ['vwap']))
      .register(plugin('third', ['vwap']));
    expect(registry.names()).toEqual([
      '@acme/bars/ohlc',
      '@acme/bars/vwap',
      'etl-vwap/vwap',
      'ohlc',
      'third/vwap',
    ]);
    const error = thrown(() => registry.create('vwap', {}, {}, 'etl.channels.market_trades.processors[1]'));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe('etl.channels.market_trades.processors[1]');
    expect(error.message).toBe(
      'config etl.channels.market_trades.processors[1]: several plugins offer "vwap": use one of "@acme/bars/vwap", "etl-vwap/vwap", "third/vwap"',
    );
    expect(registry.create('etl-vwap/vwap').name).toBe('etl-vwap/vwap:{}');
    expect(registry.create('@acme/bars/vwap').name).toBe('@acme/bars/vwap:{}');
    expect(registry.create('ohlc').name).toBe('@acme/bars/ohlc:{}');
  });

  it('names the config key and the known processors for an unknown name', () => {
    const registry = new ProcessorRegistry().register(plugin('etl-vwap', ['vwap']));
    const error = thrown(() => registry.create('wvap', {}, {}, 'channels.level2.processors[0]'));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      'config channels.level2.processors[0]: unknown processor "wvap" (known: etl-vwap/vwap, vwap)',
    );
    expect(thrown(() => new ProcessorRegistry().create('vwap')).message).toBe(
      'config processor: unknown processor "vwap" (known: none)',
    );
  });

  it('refuses plugins for another API version, twice-registered plugins and non-plugins', () => {
    const future = { ...plugin('etl-future', ['x']), apiVersion: 2 };
    const error = thrown(() => new ProcessorRegistry().register(future));
    expect(error).toBeInstanceOf(EtlError);
    expect((error as EtlError).code).toBe('E_PLUGIN_VERSION');
    expect(error.message).toBe('plugin etl-future targets plugin API 2, this toolkit speaks 1');

    const registry = new ProcessorRegistry().register(plugin('etl-vwap', ['vwap']));
    const twice = thrown(() => registry.register(plugin('etl-vwap', ['other'])));
    expect((twice as EtlError).code).toBe('E_PLUGIN');
    expect(twice.message).toBe('plugin etl-vwap is registered twice');
    // The refused plugin left nothing behind.
    expect(registry.has('other')).toBe(false);

    const notPlugin = thrown(() => registry.register({ name: 'x' } as never));
    expect(notPlugin).toBeInstanceOf(TypeError);
    expect(notPlugin.message).toBe('register expects a plugin made with definePlugin');
  });
});
