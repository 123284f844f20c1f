/**
 * Loads processor plugins named in a config (npm package names or paths) into a registry. Shared by
 * the CLI (`run`, `watch`, `stream`, `worker`) and the queue worker threads, which load the same
 * list themselves: a registry of functions cannot be handed to a thread.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, isPlugin, type Plugin, ProcessorRegistry } from '@etl/core';

/**
 * When the toolkit itself runs from its TypeScript sources (its tests, `tsx --conditions=@etl/source`),
 * a plugin's `@etl/source` entry is loaded too, so a workspace plugin needs no build first.
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const CONDITIONS = FROM_SOURCE ? ['@etl/source', 'import', 'node', 'default'] : ['import', 'node', 'default'];

/** The target of an `exports` entry for the conditions an ESM import uses. */
function exportTarget(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    for (const v of value) {
      const target = exportTarget(v);
      if (target) return target;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    const conditions = value as Record<string, unknown>;
    for (const c of CONDITIONS) {
      if (!Object.hasOwn(conditions, c)) continue;
      const target = exportTarget(conditions[c]);
      if (target) return target;
    }
  }
  return undefined;
}

/**
 * The file an `import` of a package directory loads: `exports['.']` (import conditions), else
 * `main`, else `index.js`. Node's ESM loader cannot import a directory, and `require.resolve`
 * would use the `require` condition, which ESM-only plugins do not export.
 */
async function packageEntry(dir: string): Promise<string> {
  let pkg: { exports?: unknown; main?: unknown };
  try {
    pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as typeof pkg;
  } catch {
    return path.join(dir, 'index.js');
  }
  const exports = pkg.exports;
  const sugar =
    typeof exports === 'string' ||
    Array.isArray(exports) ||
    (exports !== null && typeof exports === 'object' && !Object.keys(exports).some((k) => k.startsWith('.')));
  const root = sugar ? exports : (exports as Record<string, unknown> | undefined)?.['.'];
  return path.resolve(dir, exportTarget(root) ?? (typeof pkg.main === 'string' ? pkg.main : 'index.js'));
}

async function isDirectory(p: string): Promise<boolean | undefined> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return undefined;
  }
}

/** `node_modules/<name>` in `from` or one of its ancestors, as Node looks packages up. */
async function findPackageDir(name: string, from: string): Promise<string | undefined> {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (await isDirectory(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The module file a plugin or source spec (a package name, or a path from `baseDir`) names. */
export async function resolvePlugin(spec: string, baseDir: string, key: string): Promise<string> {
  if (spec.startsWith('.') || path.isAbsolute(spec)) {
    const target = path.resolve(baseDir, spec);
    const dir = await isDirectory(target);
    if (dir === undefined) throw new ConfigError(key, `plugin path ${target} does not exist`);
    return dir ? packageEntry(target) : target;
  }
  for (const from of [baseDir, process.cwd()]) {
    const dir = await findPackageDir(spec, from);
    if (dir) return packageEntry(dir);
  }
  throw new ConfigError(
    key,
    `cannot find plugin package "${spec}" (install it next to your config or in the current project)`,
  );
}

/**
 * Imports each plugin (a package name, found in `node_modules` from `baseDir` up or from the
 * current directory, or a path relative to `baseDir`) and registers it. A plugin that cannot be
 * found, loaded or registered is a {@link ConfigError} naming its `plugins[i]` entry.
 */
export async function loadPlugins(specs: readonly string[], baseDir: string): Promise<ProcessorRegistry> {
  const registry = new ProcessorRegistry();
  for (const [i, spec] of specs.entries()) {
    const key = `plugins[${i}]`;
    const file = await resolvePlugin(spec, baseDir, key);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(key, `cannot load ${spec} (${file}): ${(error as Error).message}`);
    }
    const plugin = [mod.default, mod.plugin].find(isPlugin) as Plugin | undefined;
    if (!plugin) {
      throw new ConfigError(
        key,
        `${spec} does not export a plugin made with definePlugin (as default or "plugin")`,
      );
    }
    try {
      registry.register(plugin);
    } catch (error) {
      // A plugin built for another API version, or listed twice: a config problem (exit 2).
      throw new ConfigError(key, `${spec}: ${(error as Error).message}`);
    }
  }
  return registry;
}
