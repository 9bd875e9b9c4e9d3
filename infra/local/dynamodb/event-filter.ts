/**
 * The event-pattern matching Lambda applies to an event source mapping's FilterCriteria (the EventBridge
 * pattern language), as a pure function for the local stream poller. A record is delivered when it matches
 * any filter. Patterns are compiled once: an operator the local stack cannot honour, or a malformed
 * pattern, is a FilterPatternError at start-up instead of a filter that silently matches the wrong records.
 *
 * Matching works on leaf values, as EventBridge does: a pattern key holding a list of matchers tests the
 * event's value at that key, which must be a string, number, boolean or null (or an array of them, matched
 * when any element matches). Objects are not leaves, so `exists: true` never matches an object and
 * `exists: false` does. A nested pattern walks into nested objects; an array of objects matches when one
 * element matches the whole nested pattern. Strings and numbers never equal each other: DynamoDB's
 * `{"N": "5"}` holds the string "5", so `numeric` matchers do not match it.
 */
export class FilterPatternError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FilterPatternError';
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Primitive = null | boolean | number | string;
/** Tests one leaf value. */
type LeafTest = (value: Primitive) => boolean;
/** A matcher of a pattern key's list: sees every leaf at the key (none when absent or not a leaf). */
type ListMatcher = (leaves: Primitive[]) => boolean;
export type EventMatcher = (event: unknown) => boolean;

const SUPPORTED =
  'exact values, prefix, suffix, equals-ignore-case, anything-but, numeric, exists, nested patterns and $or';

function isObject(v: unknown): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isPrimitive(v: unknown): v is Primitive {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function leavesOf(value: unknown): Primitive[] {
  if (isPrimitive(value)) return [value];
  if (Array.isArray(value))
    return value.flatMap((v) => (Array.isArray(v) || isPrimitive(v) ? leavesOf(v) : []));
  return [];
}

function describe(spec: unknown): string {
  return JSON.stringify(spec);
}

function stringArg(op: string, arg: Json, path: string): string {
  if (typeof arg !== 'string')
    throw new FilterPatternError(`${path}: ${op} needs a string, got ${describe(arg)}`);
  return arg;
}

/** prefix / suffix take a string, or {"equals-ignore-case": string} for a case-insensitive one. */
function compileAffix(op: 'prefix' | 'suffix', arg: Json, path: string): LeafTest {
  let wanted: string;
  let fold = false;
  if (isObject(arg)) {
    const keys = Object.keys(arg);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      throw new FilterPatternError(`${path}: ${op} takes a string or {"equals-ignore-case": string}`);
    }
    wanted = stringArg(`${op} equals-ignore-case`, arg['equals-ignore-case'] as Json, path).toLowerCase();
    fold = true;
  } else {
    wanted = stringArg(op, arg, path);
  }
  return (v) => {
    if (typeof v !== 'string') return false;
    const s = fold ? v.toLowerCase() : v;
    return op === 'prefix' ? s.startsWith(wanted) : s.endsWith(wanted);
  };
}

const NUMERIC_OPS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function compileNumeric(arg: Json, path: string): LeafTest {
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) {
    throw new FilterPatternError(`${path}: numeric needs [op, number] or [op, number, op, number]`);
  }
  const checks: ((n: number) => boolean)[] = [];
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const bound = arg[i + 1];
    const compare = typeof op === 'string' ? NUMERIC_OPS[op] : undefined;
    if (!compare) throw new FilterPatternError(`${path}: unknown numeric operator ${describe(op)}`);
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw new FilterPatternError(`${path}: numeric bounds must be numbers, got ${describe(bound)}`);
    }
    checks.push((n) => compare(n, bound));
  }
  return (v) => typeof v === 'number' && checks.every((c) => c(v));
}

function compileAnythingBut(arg: Json, path: string): LeafTest {
  if (isObject(arg)) {
    const keys = Object.keys(arg);
    const [op] = keys;
    if (keys.length !== 1 || (op !== 'prefix' && op !== 'suffix' && op !== 'equals-ignore-case')) {
      throw new FilterPatternError(
        `${path}: anything-but takes values, or one of prefix / suffix / equals-ignore-case, got ${describe(arg)}`,
      );
    }
    const inner = arg[op] as Json;
    if (op === 'equals-ignore-case') {
      const list = Array.isArray(inner) ? inner : [inner];
      const lowered = list.map((s) => stringArg('anything-but equals-ignore-case', s, path).toLowerCase());
      return (v) => typeof v === 'string' && !lowered.includes(v.toLowerCase());
    }
    const test = compileAffix(op, stringArg(`anything-but ${op}`, inner, path), path);
    return (v) => typeof v === 'string' && !test(v);
  }
  const excluded = Array.isArray(arg) ? arg : [arg];
  if (excluded.length === 0) throw new FilterPatternError(`${path}: anything-but needs at least one value`);
  for (const e of excluded) {
    if (!isPrimitive(e) || e === null) {
      throw new FilterPatternError(`${path}: anything-but values must be strings, numbers or booleans`);
    }
  }
  return (v) => !excluded.includes(v);
}

function compileMatcher(spec: Json, path: string): ListMatcher {
  if (isPrimitive(spec)) return (leaves) => leaves.some((v) => v === spec);
  if (!isObject(spec)) throw new FilterPatternError(`${path}: nested arrays are not matchers`);
  const keys = Object.keys(spec);
  if (keys.length !== 1) {
    throw new FilterPatternError(`${path}: a matcher object has exactly one operator, got ${describe(spec)}`);
  }
  const op = keys[0] as string;
  const arg = spec[op] as Json;
  let test: LeafTest;
  switch (op) {
    case 'exists':
      if (typeof arg !== 'boolean') throw new FilterPatternError(`${path}: exists needs true or false`);
      return (leaves) => leaves.length > 0 === arg;
    case 'prefix':
    case 'suffix':
      test = compileAffix(op, arg, path);
      break;
    case 'equals-ignore-case': {
      const wanted = stringArg(op, arg, path).toLowerCase();
      test = (v) => typeof v === 'string' && v.toLowerCase() === wanted;
      break;
    }
    case 'numeric':
      test = compileNumeric(arg, path);
      break;
    case 'anything-but':
      test = compileAnythingBut(arg, path);
      break;
    default:
      throw new FilterPatternError(`${path}: unsupported filter operator "${op}" (supported: ${SUPPORTED})`);
  }
  return (leaves) => leaves.some(test);
}

function compileObject(pattern: Record<string, Json>, path: string): (event: unknown) => boolean {
  const parts: ((event: unknown) => boolean)[] = [];
  const entries = Object.entries(pattern);
  if (entries.length === 0) throw new FilterPatternError(`${path || 'pattern'}: an empty pattern object`);
  for (const [key, spec] of entries) {
    const at = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(spec) || spec.length < 2) {
        throw new FilterPatternError(`${at}: $or needs an array of at least two patterns`);
      }
      const alternatives = spec.map((s, i) => {
        if (!isObject(s)) throw new FilterPatternError(`${at}[${i}]: $or entries must be pattern objects`);
        return compileObject(s, path);
      });
      parts.push((event) => alternatives.some((m) => m(event)));
    } else if (Array.isArray(spec)) {
      if (spec.length === 0) throw new FilterPatternError(`${at}: an empty list of matchers matches nothing`);
      const matchers = spec.map((s, i) => compileMatcher(s, `${at}[${i}]`));
      parts.push((event) => {
        const leaves = isObject(event) && Object.hasOwn(event, key) ? leavesOf(event[key]) : [];
        return matchers.some((m) => m(leaves));
      });
    } else if (isObject(spec)) {
      const inner = compileObject(spec, at);
      parts.push((event) => {
        const value = isObject(event) && Object.hasOwn(event, key) ? event[key] : undefined;
        if (Array.isArray(value)) {
          const objects = value.filter(isObject);
          return objects.length > 0 ? objects.some(inner) : inner(undefined);
        }
        // Absent (or a leaf): only matchers such as exists:false can match below it.
        return inner(isObject(value) ? value : undefined);
      });
    } else {
      throw new FilterPatternError(
        `${at}: must be a list of matchers (e.g. ["value"]) or a nested pattern, got ${describe(spec)}`,
      );
    }
  }
  return (event) => parts.every((p) => p(event));
}

export function compilePattern(pattern: string | Record<string, unknown>): EventMatcher {
  let parsed: unknown = pattern;
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern);
    } catch (error) {
      throw new FilterPatternError(`filter pattern is not JSON: ${pattern}`, { cause: error });
    }
  }
  if (!isObject(parsed)) throw new FilterPatternError('a filter pattern must be a JSON object');
  return compileObject(parsed, '');
}

/** A record passes when it matches any filter; no filters (or no criteria) let everything pass. */
export function compileFilterCriteria(criteria?: { Filters?: { Pattern?: string }[] }): EventMatcher {
  const filters = (criteria?.Filters ?? []).map((f, i) => {
    if (typeof f.Pattern !== 'string') throw new FilterPatternError(`Filters[${i}] has no Pattern string`);
    try {
      return compilePattern(f.Pattern);
    } catch (error) {
      if (error instanceof FilterPatternError) {
        throw new FilterPatternError(`Filters[${i}]: ${error.message}`, { cause: error });
      }
      throw error;
    }
  });
  if (filters.length === 0) return () => true;
  return (record) => filters.some((m) => m(record));
}
