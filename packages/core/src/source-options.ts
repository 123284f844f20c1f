/**
 * Declared processor options: what a source's config accepts under
 * `etl.channels.<dataset>.processor_options`, with types, defaults and checks. The same declaration
 * validates a config file (every unknown key is refused and named as the user spelt it), gives the
 * defaults a pipeline applies, and documents the option.
 */
import { ConfigError } from './errors.js';

/** One option: how to check a value, its default (if any) and a line of documentation. */
export interface OptionSpec<T = unknown> {
  /** A short description of the type, e.g. `true|false` or `list of whole numbers > 0`. */
  readonly type: string;
  readonly description: string;
  /** Applied when the config does not set the option; absent: the option is off unless set. */
  readonly default?: T;
  /** The value in the processor's own spelling; throws a ConfigError naming `key` when wrong. */
  parse(value: unknown, key: string): T;
}

/** Option name (camelCase, the processor's spelling) → spec. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

const snakeToCamel = (key: string): string => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const camelToSnake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

type Check = (value: unknown) => string | undefined;

function spec<T>(type: string, check: Check, description: string, defaultValue?: T): OptionSpec<T> {
  return {
    type,
    description,
    ...(defaultValue !== undefined ? { default: defaultValue } : {}),
    parse(value, key) {
      const problem = check(value);
      if (problem) throw new ConfigError(key, problem);
      return value as T;
    },
  };
}

const positiveIntCheck: Check = (v) =>
  Number.isInteger(v) && (v as number) > 0 ? undefined : 'must be a whole number > 0';
const positiveNumberCheck: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : 'must be > 0';

/** Builders of option specs; their messages are the sentences a user sees after the key. */
export const option = {
  boolean: (description: string, defaultValue?: boolean): OptionSpec<boolean> =>
    spec(
      'true|false',
      (v) => (typeof v === 'boolean' ? undefined : 'must be true or false'),
      description,
      defaultValue,
    ),
  positiveInteger: (description: string, defaultValue?: number): OptionSpec<number> =>
    spec('whole number > 0', positiveIntCheck, description, defaultValue),
  positiveNumber: (description: string, defaultValue?: number): OptionSpec<number> =>
    spec('number > 0', positiveNumberCheck, description, defaultValue),
  oneOf: <T extends string>(values: readonly T[], description: string, defaultValue?: T): OptionSpec<T> =>
    spec(
      values.join('|'),
      (v) =>
        (values as readonly unknown[]).includes(v)
          ? undefined
          : `must be one of ${values.join(', ')}, got ${JSON.stringify(v)}`,
      description,
      defaultValue,
    ),
  /** A non-empty list of whole numbers > 0 (`integers`) or of numbers > 0. */
  positiveList: (
    of: 'integers' | 'numbers',
    description: string,
    defaultValue?: readonly number[],
  ): OptionSpec<readonly number[]> => {
    const what = of === 'integers' ? 'whole numbers > 0' : 'numbers > 0';
    const item = of === 'integers' ? positiveIntCheck : positiveNumberCheck;
    return spec(
      `list of ${what}`,
      (v) =>
        Array.isArray(v) && v.length > 0 && v.every((x) => item(x) === undefined)
          ? undefined
          : `must be a non-empty list of ${what}`,
      description,
      defaultValue,
    );
  },
  /**
   * An object of whole numbers > 0, every field required (e.g. `{depth, interval_ms}`); keys are
   * accepted in snake_case or camelCase and returned camelCased.
   */
  positiveIntegers: (fields: readonly string[], description: string): OptionSpec<Record<string, number>> => {
    const spelt = fields.map(camelToSnake);
    const shape = `{${spelt.join(', ')}}`;
    return {
      type: shape,
      description,
      parse(value, key) {
        if (!isPlainObject(value)) throw new ConfigError(key, `must be ${shape}`);
        const out: Record<string, number> = {};
        for (const [k, v] of Object.entries(value)) {
          const name = snakeToCamel(k);
          if (!fields.includes(name))
            throw new ConfigError(`${key}.${k}`, `unknown key (known: ${spelt.join(', ')})`);
          const problem = positiveIntCheck(v);
          if (problem) throw new ConfigError(`${key}.${k}`, problem);
          out[name] = v as number;
        }
        fields.forEach((name, i) => {
          if (out[name] === undefined) throw new ConfigError(`${key}.${spelt[i]}`, 'is required');
        });
        return out;
      },
    };
  },
} as const;

/**
 * Checks a `processor_options` object against `specs` and returns the options it sets, camelCased
 * and in the processor's spelling (defaults are not added). Keys may be snake_case (the seed's) or
 * camelCase; an unknown key is a ConfigError naming it as spelt, with the known ones.
 */
export function parseOptions(specs: OptionSpecs, options: unknown, key: string): Record<string, unknown> {
  if (!isPlainObject(options)) throw new ConfigError(key, 'must be an object');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    const name = snakeToCamel(k);
    const s = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (!s) {
      const names = Object.keys(specs).map(camelToSnake);
      throw new ConfigError(`${key}.${k}`, `unknown option (known: ${names.join(', ') || 'none'})`);
    }
    out[name] = s.parse(v, `${key}.${k}`);
  }
  return out;
}

/** The declared defaults of `specs` (options without a default are left out). */
export function optionDefaults(specs: OptionSpecs): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(specs)) if (s.default !== undefined) out[name] = s.default;
  return out;
}
