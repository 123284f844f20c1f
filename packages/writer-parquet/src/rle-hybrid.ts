/**
 * Parquet's RLE / bit-packing hybrid (definition levels, dictionary indexes, booleans), straight
 * from typed arrays: runs of 8 or more equal values become one RLE run, everything else is
 * bit-packed in groups of 8.
 */
import type { ByteBuffer } from './byte-buffer.js';

export type SmallInts = Int32Array | Uint8Array;

/** Bits needed for the values 0 … `max` (0 for a single value). */
export function bitWidthOf(max: number): number {
  return max <= 0 ? 0 : 32 - Math.clz32(max);
}

function writeRun(out: ByteBuffer, value: number, count: number, bitWidth: number): void {
  out.varint(count * 2);
  const width = (bitWidth + 7) >> 3;
  out.ensure(width);
  for (let j = 0; j < width; j++) out.bytes[out.length++] = (value >>> (j * 8)) & 0xff;
}

function writeBitPacked(
  out: ByteBuffer,
  values: SmallInts,
  start: number,
  end: number,
  groups: number,
  bitWidth: number,
): void {
  out.varint(groups * 2 + 1);
  if (bitWidth === 0) return;
  const total = groups * 8;
  out.ensure(groups * bitWidth);
  const bytes = out.bytes;
  let at = out.length;
  if (bitWidth <= 24) {
    // `v << bits` stays below 2^31 while bits < 8 and v < 2^24.
    let acc = 0;
    let bits = 0;
    for (let k = 0; k < total; k++) {
      const i = start + k;
      acc |= (i < end ? values[i]! : 0) << bits;
      bits += bitWidth;
      while (bits >= 8) {
        bytes[at++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
    }
  } else {
    // Wider values go through float arithmetic, exact below 2^53.
    let acc = 0;
    let scale = 1;
    let bits = 0;
    for (let k = 0; k < total; k++) {
      const i = start + k;
      acc += (i < end ? values[i]! >>> 0 : 0) * scale;
      bits += bitWidth;
      while (bits >= 8) {
        const byte = acc % 256;
        bytes[at++] = byte;
        acc = (acc - byte) / 256;
        bits -= 8;
      }
      scale = 2 ** bits;
    }
  }
  out.length = at;
}

/** Appends `values[start, end)` in the hybrid encoding (without a length prefix). */
export function writeRleHybrid(
  out: ByteBuffer,
  values: SmallInts,
  start: number,
  end: number,
  bitWidth: number,
): void {
  let i = start;
  let packedStart = start;
  let packedGroups = 0;
  while (i < end) {
    const v = values[i]!;
    let run = 1;
    while (i + run < end && values[i + run] === v) run++;
    if (run >= 8) {
      if (packedGroups > 0) {
        writeBitPacked(out, values, packedStart, end, packedGroups, bitWidth);
        packedGroups = 0;
      }
      writeRun(out, v, run, bitWidth);
      i += run;
    } else {
      if (packedGroups === 0) packedStart = i;
      packedGroups++;
      i += 8;
    }
  }
  if (packedGroups > 0) writeBitPacked(out, values, packedStart, end, packedGroups, bitWidth);
}
