/**
 * Exact decimals: the unscaled integer a Parquet DECIMAL stores (INT32, INT64, or big-endian
 * two's-complement bytes) → a string with every digit and exactly `scale` digits after the point.
 */

/** The signed big-endian two's-complement integer in `bytes`. */
function bigIntFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  // Sign bit set: subtract 2^bits.
  return (bytes[0] ?? 0) & 0x80 ? value - (1n << BigInt(bytes.length * 8)) : value;
}

/** `'-12.30'` from 1230n / 123 (unscaled) and scale 2. */
export function formatDecimal(unscaled: unknown, scale: number): string {
  let n: bigint;
  if (typeof unscaled === 'bigint') n = unscaled;
  else if (typeof unscaled === 'number') n = BigInt(unscaled);
  else if (unscaled instanceof Uint8Array) n = bigIntFromBytes(unscaled);
  else throw new TypeError(`a decimal must be stored as an integer or bytes, got ${typeof unscaled}`);
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString();
  if (scale === 0) return negative ? `-${digits}` : digits;
  const padded = digits.padStart(scale + 1, '0');
  const cut = padded.length - scale;
  return `${negative ? '-' : ''}${padded.slice(0, cut)}.${padded.slice(cut)}`;
}
