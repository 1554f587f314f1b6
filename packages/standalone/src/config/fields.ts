/** Small checks that name the field they refuse. */
import { ConfigError } from './errors.js';

/** Tells where a field's value came from (an environment variable or the file), for messages. */
export type SourceOf = (field: string) => string | undefined;

/** Reads fields of one object, refusing values of the wrong shape with the field's name. */
export class Fields {
  constructor(
    private readonly obj: Record<string, unknown>,
    private readonly prefix: string,
    private readonly sourceOf: SourceOf,
  ) {}

  /** Dotted path of `key` inside this object. */
  path(key: string): string {
    return this.prefix ? `${this.prefix}.${key}` : key;
  }

  fail(key: string, problem: string): never {
    const field = this.path(key);
    throw new ConfigError(field, problem, this.sourceOf(field));
  }

  /** Refuses this object as a whole. */
  failSelf(problem: string): never {
    throw new ConfigError(this.prefix, problem, this.sourceOf(this.prefix));
  }

  /** The value as given, unchecked. */
  raw(key: string): unknown {
    return this.obj[key];
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined;
  }

  /** Refuses keys not in `known`, so a misspelt field is not silently ignored. */
  only(known: readonly string[]): void {
    for (const key of Object.keys(this.obj)) {
      if (!known.includes(key)) this.fail(key, `unknown field (known: ${known.join(', ')})`);
    }
  }

  string(key: string, check?: (value: string) => string | undefined): string | undefined {
    const value = this.obj[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') this.fail(key, 'must be a non-empty string');
    const problem = check?.(value);
    if (problem !== undefined) this.fail(key, problem);
    return value;
  }

  number(key: string, min: number, max = Number.POSITIVE_INFINITY, integer = true): number | undefined {
    const value = this.obj[key];
    if (value === undefined) return undefined;
    const ok =
      typeof value === 'number' &&
      !Number.isNaN(value) &&
      value >= min &&
      value <= max &&
      (!integer || Number.isInteger(value) || value === Number.POSITIVE_INFINITY);
    if (!ok) {
      const range = max === Number.POSITIVE_INFINITY ? `at least ${min}` : `from ${min} to ${max}`;
      this.fail(key, `must be ${integer ? 'an integer' : 'a number'} ${range}, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.obj[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') this.fail(key, `must be true or false, got ${JSON.stringify(value)}`);
    return value;
  }

  strings(key: string, check?: (value: string) => string | undefined): string[] | undefined {
    const value = this.obj[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) this.fail(key, 'must be a list of strings');
    value.forEach((item, i) => {
      if (typeof item !== 'string' || item === '') this.fail(`${key}[${i}]`, 'must be a non-empty string');
      const problem = check?.(item);
      if (problem !== undefined) this.fail(`${key}[${i}]`, problem);
    });
    return value as string[];
  }

  /** A string or a list of strings. */
  oneOrMany(key: string): string | string[] | undefined {
    return typeof this.obj[key] === 'string' ? this.string(key) : this.strings(key);
  }

  /** Reads `value`, found at `key` of this object (a list item), with its own {@link Fields}. */
  nested(key: string, value: Record<string, unknown>): Fields {
    return new Fields(value, this.path(key), this.sourceOf);
  }

  /** A nested object, read with its own {@link Fields}. */
  object(key: string): Fields | undefined {
    const value = this.obj[key];
    if (value === undefined) return undefined;
    if (!isPlainObject(value)) this.fail(key, 'must be an object');
    return new Fields(value, this.path(key), this.sourceOf);
  }

  list(key: string): unknown[] | undefined {
    const value = this.obj[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) this.fail(key, 'must be a list');
    return value;
  }
}

/** True for `{...}` values (not arrays, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
