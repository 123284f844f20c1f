/**
 * `etl inspect s3://bucket/prefix/coinbase/level2`: what `inspect` shows comes from Parquet
 * footers only (schema, row groups, rows, sizes, codecs, key-value metadata), so each object's
 * footer is fetched with one or two Range GETs and laid into a sparse local "shell" of the
 * object's size (`PAR1`, zeros, the footer); the local inspection then runs on the shells and its
 * output names the objects. No object is downloaded whole.
 */
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseS3Url } from '@etl/core';
import { UsageError } from '../usage-error.js';
import { openStorage } from './run-object-storage.js';

/** Bytes fetched first from an object's end: most footers fit. */
const TAIL_BYTES = 64 * 1024;

/** Writes a footer shell of every Parquet object at or under `url` into `dir`; returns their count. */
async function footerShells(url: string, dir: string): Promise<number> {
  const parsed = parseS3Url(url);
  if (!parsed) throw new UsageError(`not an s3://bucket/prefix URL: ${url}`);
  const storage = await openStorage(`s3://${parsed.bucket}`);
  const prefix = parsed.prefix;
  const objects: { key: string; size: number }[] = [];
  const single = prefix.endsWith('.parquet') ? await storage.stat(prefix) : undefined;
  if (single) objects.push(single);
  else {
    for await (const object of storage.list(prefix ? `${prefix}/` : '')) {
      const relative = object.key.slice(prefix ? prefix.length + 1 : 0).split('/');
      if (!object.key.endsWith('.parquet')) continue;
      if (relative.some((part) => part.startsWith('.') || part.startsWith('_'))) continue;
      objects.push(object);
    }
  }
  for (const object of objects) {
    const tail = await storage.readRange(object.key, Math.max(0, object.size - TAIL_BYTES), object.size);
    const magic = Buffer.from(tail.subarray(tail.length - 4)).toString('latin1');
    if (object.size < 12 || magic !== 'PAR1') {
      throw new UsageError(`s3://${parsed.bucket}/${object.key} is not a Parquet file (no PAR1 footer)`);
    }
    const footerLength = Buffer.from(tail.buffer, tail.byteOffset, tail.byteLength).readUInt32LE(
      tail.length - 8,
    );
    const footerStart = object.size - footerLength - 8;
    const footer =
      footerLength + 8 <= tail.length
        ? tail.subarray(tail.length - footerLength - 8)
        : await storage.readRange(object.key, footerStart, object.size);
    const file = path.join(dir, ...object.key.slice(prefix && !single ? prefix.length + 1 : 0).split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    const handle = await open(file, 'w');
    try {
      await handle.write(Buffer.from('PAR1'), 0, 4, 0);
      await handle.write(footer, 0, footer.length, footerStart);
      await handle.truncate(object.size);
    } finally {
      await handle.close();
    }
  }
  return objects.length;
}

/** Runs `inspect` over the footer shells of `url`; its output names `url` instead of the shells. */
export async function inspectObjectStorage(
  url: string,
  inspectLocal: (target: string, io: { stdout: NodeJS.WriteStream }) => Promise<number>,
  io: { stdout: NodeJS.WriteStream },
): Promise<number> {
  const target = url.replace(/\/+$/, '');
  const dir = await mkdtemp(path.join(tmpdir(), 'etl-inspect-'));
  try {
    const shells = path.join(dir, path.posix.basename(target));
    await mkdir(shells);
    if ((await footerShells(target, shells)) === 0)
      throw new UsageError(`no .parquet objects at or under ${target}`);
    const single = target.endsWith('.parquet');
    const local = single ? path.join(shells, path.posix.basename(target)) : shells;
    let text = '';
    const capture = {
      write(chunk: string | Uint8Array): boolean {
        text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        return true;
      },
    } as NodeJS.WriteStream;
    const code = await inspectLocal(local, { stdout: capture });
    io.stdout.write(text.replaceAll(local, target).replaceAll(shells, path.posix.dirname(target)));
    return code;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
