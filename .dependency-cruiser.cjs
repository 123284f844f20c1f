// The package graph, enforced by `pnpm check:graph` (dependency-cruiser).
// Imports are resolved the way the workspace resolves them (the `@etl/source` export condition
// points at src/), so a rule sees the file an import really reaches, whichever way it was written.
const fs = require('node:fs');
const path = require('node:path');

/** Every workspace package directory (as pnpm-workspace.yaml lists them), with its name and entry points. */
function workspacePackages() {
  const found = [];
  for (const group of ['packages', 'apps', 'apps/examples/plugins']) {
    for (const name of fs.readdirSync(path.join(__dirname, group)).sort()) {
      const file = path.join(__dirname, group, name, 'package.json');
      if (!fs.existsSync(file)) continue;
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
      const dir = `${group}/${name}`;
      const entries = Object.values(pkg.exports ?? {})
        .map((target) => (typeof target === 'object' ? target['@etl/source'] : undefined))
        .filter((target) => typeof target === 'string')
        .map((target) => path.posix.join(dir, target));
      found.push({ dir, name: pkg.name, entries });
    }
  }
  return found;
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const packages = workspacePackages();
const byName = (name) => packages.find((p) => p.name === name);
/** Files of one package, not counting packages nested inside it (apps/examples/plugins/*). */
const filesOf = (pkg) => {
  const nested = packages.filter((p) => p !== pkg && p.dir.startsWith(`${pkg.dir}/`));
  return { path: `^${escapeRegExp(pkg.dir)}/`, pathNot: nested.map((p) => `^${escapeRegExp(p.dir)}/`) };
};
const otherPackagesThan = (...allowed) => ({
  path: `^(${packages.map((p) => escapeRegExp(p.dir)).join('|')})/`,
  pathNot: allowed.map((p) => `^${escapeRegExp(p.dir)}/`),
});

const core = byName('@etl/core');
const leaves = [
  '@etl/readers-ndjson',
  '@etl/readers-parquet',
  '@etl/processors-coinbase',
  '@etl/writer-parquet',
].map(byName);
const publicEntries = packages.flatMap((p) => p.entries).map((file) => `^${escapeRegExp(file)}$`);
// Modules through which a processor could reach files, sockets, processes or threads.
const io = [
  'fs',
  'fs/promises',
  'net',
  'tls',
  'http',
  'https',
  'http2',
  'dgram',
  'dns',
  'dns/promises',
  'child_process',
  'worker_threads',
  'cluster',
  'readline',
  'readline/promises',
  'os',
  'inspector',
];

module.exports = {
  forbidden: [
    {
      name: 'core-imports-none-of-ours',
      comment: '@etl/core is the base every other package builds on: it imports no other package of ours.',
      severity: 'error',
      from: filesOf(core),
      to: otherPackagesThan(core),
    },
    ...leaves.map((pkg) => ({
      name: `${pkg.name.replace('@etl/', '')}-imports-only-core`,
      comment: `${pkg.name} is a reader, processor or writer: of our packages it imports only @etl/core.`,
      severity: 'error',
      from: filesOf(pkg),
      to: otherPackagesThan(core, pkg),
    })),
    {
      name: 'processors-do-no-io',
      comment:
        'Processors transform rows; reading and writing is the job of readers, writers and the orchestrator.',
      severity: 'error',
      from: {
        path: `^${escapeRegExp(byName('@etl/processors-coinbase').dir)}/src/`,
        pathNot: ['\\.test\\.ts$', '/__fixtures__/'],
      },
      to: { dependencyTypes: ['core'], path: `^(node:)?(${io.map(escapeRegExp).join('|')})$` },
    },
    {
      name: 'imports-resolve',
      comment:
        'An import that does not resolve is a path the package does not export (e.g. @etl/x/src/...) or a typo.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'packages-do-not-import-apps',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    ...packages.map((pkg) => ({
      name: `${pkg.name.replace(/^@etl\//, '')}-uses-public-entry-points`,
      comment:
        'Another package is imported by its name and one of the entry points its package.json `exports` lists, ' +
        'never by a path into its files.',
      severity: 'error',
      from: filesOf(pkg),
      to: { ...otherPackagesThan(pkg), pathNot: [...otherPackagesThan(pkg).pathNot, ...publicEntries] },
    })),
    ...packages.map((pkg) => ({
      name: `${pkg.name.replace(/^@etl\//, '')}-imports-packages-by-name`,
      comment: 'A relative path into another package bypasses its package.json; import it by name.',
      severity: 'error',
      from: filesOf(pkg),
      to: { ...otherPackagesThan(pkg), dependencyTypes: ['local'] },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|\\.turbo|\\.reports|fixtures)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['@etl/source', 'import', 'types', 'node', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
      mainFields: ['module', 'main', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
