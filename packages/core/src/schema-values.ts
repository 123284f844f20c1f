/**
 * Value checks for the column types that come from other tools' files: exact decimals, binary,
 * and nested lists, structs and maps (checked item by item against their child fields).
 */
import type { Field } from './schema.js';

type CheckValue = (f: Field, value: unknown) => string | undefined;

const DECIMAL = /^-?\d+(?:\.(\d+))?$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function checkDecimal(f: Field, value: unknown): string | undefined {
  const match = typeof value === 'string' ? DECIMAL.exec(value) : null;
  if (!match) return `${f.name} expects a decimal string such as '-12.30', got ${String(value)}`;
  const fraction = match[1]?.length ?? 0;
  if (fraction !== (f.scale ?? 0)) {
    return `${f.name} expects ${f.scale ?? 0} digits after the point, got ${String(value)}`;
  }
  return undefined;
}

function checkItems(
  f: Field,
  items: readonly unknown[],
  child: Field,
  check: CheckValue,
): string | undefined {
  for (let i = 0; i < items.length; i++) {
    const problem = check(child, items[i]);
    if (problem) return `${f.name}[${i}]: ${problem}`;
  }
  return undefined;
}

function checkMap(f: Field, value: unknown, check: CheckValue): string | undefined {
  const [key, val] = f.children ?? [];
  if (!Array.isArray(value) || !key || !val) return `${f.name} expects an array of {key, value} entries`;
  for (let i = 0; i < value.length; i++) {
    const entry: unknown = value[i];
    if (!isPlainObject(entry)) return `${f.name}[${i}] expects a {key, value} entry`;
    const problem = check(key, entry.key) ?? check(val, entry.value);
    if (problem) return `${f.name}[${i}]: ${problem}`;
  }
  return undefined;
}

/** Why `value` does not fit a decimal, binary, list, struct or map field, or undefined. */
export function checkNestedValue(f: Field, value: unknown, check: CheckValue): string | undefined {
  switch (f.type) {
    case 'decimal':
      return checkDecimal(f, value);
    case 'binary':
      return value instanceof Uint8Array ? undefined : `${f.name} expects a Uint8Array, got ${typeof value}`;
    case 'list': {
      const element = f.children?.[0];
      if (!Array.isArray(value) || !element) return `${f.name} expects an array, got ${typeof value}`;
      return checkItems(f, value, element, check);
    }
    case 'struct': {
      if (!isPlainObject(value)) return `${f.name} expects a plain object, got ${typeof value}`;
      for (const child of f.children ?? []) {
        const problem = check(child, value[child.name]);
        if (problem) return `${f.name}.${problem}`;
      }
      return undefined;
    }
    case 'map':
      return checkMap(f, value, check);
    default:
      return `${f.name} has unknown type ${String(f.type)}`;
  }
}
