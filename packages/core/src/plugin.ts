import { ConfigError, EtlError } from './errors.js';
import { type Logger, silentLogger } from './logger.js';
import type { Processor } from './processor.js';

/** Version of the plugin contract. A plugin built for another major version is refused. */
export const PLUGIN_API_VERSION = 1;

export interface ProcessorFactoryContext {
  readonly logger: Logger;
}

/** Makes a processor from user options (the `options` object of a channel config entry). */
export type ProcessorFactory = (
  options: Readonly<Record<string, unknown>>,
  context: ProcessorFactoryContext,
) => Processor<never, unknown>;

export interface PluginDefinition {
  /** npm package name of the plugin. */
  readonly name: string;
  /** The plugin's own version (semver). */
  readonly version: string;
  /** Processor names → factories. Names are what configs refer to. */
  readonly processors: Readonly<Record<string, ProcessorFactory>>;
}

export interface Plugin extends PluginDefinition {
  readonly apiVersion: number;
}

const NAME_RE = /^[a-z0-9][a-z0-9._-]*$/i;
const PLUGIN_NAME_RE = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;

/**
 * Declares a plugin. Validates names eagerly, so a broken plugin fails when it is loaded rather
 * than when a run first needs it.
 */
export function definePlugin(definition: PluginDefinition): Plugin {
  if (!definition || typeof definition !== 'object') throw new TypeError('definePlugin expects an object');
  if (typeof definition.name !== 'string' || !PLUGIN_NAME_RE.test(definition.name)) {
    throw new TypeError(`plugin name ${JSON.stringify(definition.name)} is not a valid npm package name`);
  }
  if (typeof definition.version !== 'string' || !/^\d+\.\d+\.\d+/.test(definition.version)) {
    throw new TypeError(
      `plugin ${definition.name}: version must be semver, got ${JSON.stringify(definition.version)}`,
    );
  }
  const processors = definition.processors;
  if (!processors || typeof processors !== 'object' || Object.keys(processors).length === 0) {
    throw new TypeError(`plugin ${definition.name}: processors must name at least one processor factory`);
  }
  for (const [name, factory] of Object.entries(processors)) {
    if (!NAME_RE.test(name))
      throw new TypeError(`plugin ${definition.name}: bad processor name ${JSON.stringify(name)}`);
    if (typeof factory !== 'function') {
      throw new TypeError(`plugin ${definition.name}: processor ${name} must be a factory function`);
    }
  }
  return Object.freeze({
    name: definition.name,
    version: definition.version,
    apiVersion: PLUGIN_API_VERSION,
    processors: Object.freeze({ ...processors }),
  });
}

/** True for values made by {@link definePlugin} (or shaped like them). */
export function isPlugin(value: unknown): value is Plugin {
  if (!value || typeof value !== 'object') return false;
  const v = value as Partial<Plugin>;
  return typeof v.name === 'string' && typeof v.apiVersion === 'number' && !!v.processors;
}

/**
 * Processor names → factories, from built-ins and plugins. A processor is found by its bare name
 * or as `<plugin>/<name>`; two plugins offering the same bare name must be addressed in full.
 */
export class ProcessorRegistry {
  private readonly factories = new Map<string, ProcessorFactory>();
  private readonly ambiguous = new Set<string>();
  private readonly plugins = new Map<string, Plugin>();

  register(plugin: Plugin): this {
    if (!isPlugin(plugin)) throw new TypeError('register expects a plugin made with definePlugin');
    if (Math.trunc(plugin.apiVersion) !== PLUGIN_API_VERSION) {
      throw new EtlError(
        `plugin ${plugin.name} targets plugin API ${plugin.apiVersion}, this toolkit speaks ${PLUGIN_API_VERSION}`,
        'E_PLUGIN_VERSION',
      );
    }
    if (this.plugins.has(plugin.name))
      throw new EtlError(`plugin ${plugin.name} is registered twice`, 'E_PLUGIN');
    this.plugins.set(plugin.name, plugin);
    for (const [name, factory] of Object.entries(plugin.processors)) {
      this.factories.set(`${plugin.name}/${name}`, factory);
      if (this.factories.has(name) || this.ambiguous.has(name)) {
        this.factories.delete(name);
        this.ambiguous.add(name);
      } else this.factories.set(name, factory);
    }
    return this;
  }

  has(name: string): boolean {
    return this.factories.has(name);
  }

  /** Every name a processor can be created by. */
  names(): string[] {
    return [...this.factories.keys()].sort();
  }

  listPlugins(): Plugin[] {
    return [...this.plugins.values()];
  }

  /** Creates a processor; `key` is used in errors to point at the config entry. */
  create(
    name: string,
    options: Readonly<Record<string, unknown>> = {},
    context: Partial<ProcessorFactoryContext> = {},
    key = 'processor',
  ): Processor<never, unknown> {
    const factory = this.factories.get(name);
    if (!factory) {
      if (this.ambiguous.has(name)) {
        const candidates = this.names().filter((n) => n.endsWith(`/${name}`));
        throw new ConfigError(
          key,
          `several plugins offer "${name}": use one of ${candidates.map((n) => JSON.stringify(n)).join(', ')}`,
        );
      }
      throw new ConfigError(key, `unknown processor "${name}" (known: ${this.names().join(', ') || 'none'})`);
    }
    return factory(options, { logger: context.logger ?? silentLogger });
  }
}
