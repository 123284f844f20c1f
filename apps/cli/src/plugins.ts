/** Loads processor plugins named in the config (npm package names or paths) into a registry. */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, isPlugin, type Plugin, ProcessorRegistry } from '@etl/core';

function resolvePlugin(spec: string, baseDir: string): string {
  if (spec.startsWith('.') || path.isAbsolute(spec)) return path.resolve(baseDir, spec);
  for (const from of [baseDir, process.cwd()]) {
    try {
      return createRequire(path.join(from, 'noop.js')).resolve(spec);
    } catch {
      // try the next base
    }
  }
  throw new ConfigError('plugins', `cannot find plugin package "${spec}" (install it next to your config or in the current project)`);
}

export async function loadPlugins(specs: readonly string[], baseDir: string): Promise<ProcessorRegistry> {
  const registry = new ProcessorRegistry();
  for (const [i, spec] of specs.entries()) {
    const file = resolvePlugin(spec, baseDir);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`plugins[${i}]`, `cannot load ${spec}: ${(error as Error).message}`);
    }
    const plugin = [mod.default, mod.plugin].find(isPlugin) as Plugin | undefined;
    if (!plugin) throw new ConfigError(`plugins[${i}]`, `${spec} does not export a plugin made with definePlugin (as default or "plugin")`);
    registry.register(plugin);
  }
  return registry;
}
