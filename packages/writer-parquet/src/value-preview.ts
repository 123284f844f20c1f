/** Short printable form of a value for error messages and quarantine entries (bigints as `123n`). */
export function previewValue(value: unknown, limit = 80): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string')
    return JSON.stringify(value.length > limit ? `${value.slice(0, limit)}…` : value);
  if (value !== null && typeof value === 'object') {
    try {
      const json = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
      return json.length > limit ? `${json.slice(0, limit)}…` : json;
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}
