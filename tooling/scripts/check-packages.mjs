#!/usr/bin/env node
// Checks that every publishable workspace package (packages/* and apps/*, minus private ones)
// would work for someone who installs it from npm. Each package is packed the way `pnpm publish`
// packs it (workspace: ranges rewritten, `files` applied), then the tarball is checked by
//   - publint: package.json fields against the files really in the tarball,
//   - attw (--profile esm-only): types resolve for ESM consumers under node16 and bundler,
//   - our own rules: every export target (including the workspace-only `@etl/source` condition)
//     and every bin is in the tarball, bins start with a shebang, no tests or fixtures ship.
// Run after `pnpm build`. Usage: node tooling/scripts/check-packages.mjs [package-name...]
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const only = new Set(process.argv.slice(2));

function publishablePackages() {
  const found = [];
  for (const group of ['packages', 'apps']) {
    const dir = path.join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (pkg.private || (only.size && !only.has(pkg.name))) continue;
      found.push({ dir: path.join(dir, name), pkg });
    }
  }
  return found;
}

/** Every file path an `exports` map points at, whatever the condition. */
function exportTargets(exports, out = []) {
  if (typeof exports === 'string') out.push(exports);
  else if (Array.isArray(exports)) for (const e of exports) exportTargets(e, out);
  else if (exports && typeof exports === 'object')
    for (const v of Object.values(exports)) exportTargets(v, out);
  return out;
}

const SHIPPED_BY_MISTAKE = [
  /\.test\.[cm]?[jt]s$/,
  /(^|\/)__fixtures__\//,
  /(^|\/)\.reports\//,
  /\.tsbuildinfo$/,
  /(^|\/)test\//,
];

/** Problems publint and attw do not look for. */
function ownRules(pkg, packed, files) {
  const problems = [];
  const has = (p) => files.has(path.posix.normalize(p.replace(/^\.\//, '')));
  for (const target of exportTargets(pkg.exports)) {
    if (!target.includes('*') && !has(target))
      problems.push(`exports target ${target} is not in the tarball`);
  }
  const bins = typeof pkg.bin === 'string' ? { [pkg.name]: pkg.bin } : (pkg.bin ?? {});
  for (const [name, file] of Object.entries(bins)) {
    if (!has(file)) problems.push(`bin ${name} (${file}) is not in the tarball`);
    else if (!readFileSync(path.join(packed, file), 'utf8').startsWith('#!'))
      problems.push(`bin ${name} (${file}) has no #! line`);
  }
  for (const f of files)
    if (SHIPPED_BY_MISTAKE.some((re) => re.test(f)))
      problems.push(`ships ${f} (tests and fixtures stay out of the tarball)`);
  if (!files.has('README.md')) problems.push('has no README.md');
  const manifest = JSON.parse(readFileSync(path.join(packed, 'package.json'), 'utf8'));
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:'))
        problems.push(`${field}.${dep} is still ${range} after packing`);
    }
  }
  return problems;
}

async function tool(command, args, cwd) {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      maxBuffer: 64 << 20,
    });
    return { ok: true, output: `${stdout}${stderr}` };
  } catch (error) {
    return { ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}` || error.message };
  }
}

async function check({ dir, pkg }, work) {
  const failures = [];
  if (!existsSync(path.join(dir, 'dist')))
    return [`${path.relative(root, dir)}/dist is missing: run \`pnpm build\` first`];
  const dest = mkdtempSync(path.join(work, 'pack-'));
  const packed = await tool('pnpm', ['pack', '--pack-destination', dest, '--json'], dir);
  if (!packed.ok) return [`pnpm pack failed:\n${packed.output}`];
  const tgz = readdirSync(dest).find((f) => f.endsWith('.tgz'));
  if (!tgz) return ['pnpm pack wrote no tarball'];
  const unpacked = path.join(dest, 'unpacked');
  mkdirSync(unpacked);
  await run('tar', ['xzf', path.join(dest, tgz), '-C', unpacked]);
  const contents = path.join(unpacked, 'package');
  const files = new Set(
    readdirSync(contents, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) =>
        path
          .relative(contents, path.join(e.parentPath ?? e.path, e.name))
          .split(path.sep)
          .join('/'),
      ),
  );

  const publint = await tool(bin('publint'), ['run', path.join(dest, tgz), '--strict'], dest);
  if (!publint.ok) failures.push(`publint:\n${publint.output.trim()}`);
  const attw = await tool(
    bin('attw'),
    [path.join(dest, tgz), '--profile', 'esm-only', '--format', 'ascii', '--no-color', '--no-emoji'],
    dest,
  );
  if (!attw.ok) failures.push(`attw:\n${attw.output.trim()}`);
  for (const p of ownRules(pkg, contents, files)) failures.push(p);
  return failures;
}

const packages = publishablePackages();
if (!packages.length) {
  console.error(
    only.size ? `no publishable package named ${[...only].join(', ')}` : 'no publishable packages found',
  );
  process.exit(1);
}
const work = mkdtempSync(path.join(tmpdir(), 'etl-check-packages-'));
let failed = 0;
try {
  for (const p of packages) {
    const problems = await check(p, work);
    if (problems.length) {
      failed++;
      console.log(`✗ ${p.pkg.name}`);
      for (const problem of problems) console.log(`  ${problem.replaceAll('\n', '\n    ')}`);
    } else console.log(`✓ ${p.pkg.name}: publint, attw (esm-only) and tarball contents ok`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`${packages.length - failed} of ${packages.length} packages ready to publish`);
process.exit(failed ? 1 : 0);
