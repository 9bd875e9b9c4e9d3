/**
 * The event-pattern matching Lambda applies to event source mapping FilterCriteria (EventBridge syntax), for the
 * local stream poller: a record is delivered when it matches any filter. Unknown operators are rejected when
 * the filter is compiled, so a filter the local stack cannot honour fails loudly instead of matching wrongly.
 */
export class FilterPatternError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'FilterPatternError';
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Leaf = (value: Json | undefined, present: boolean) => boolean;

function isObject(v: unknown): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function equalsPrimitive(expected: Json, actual: Json | undefined): boolean {
  if (typeof expected === 'number' && typeof actual === 'number') return expected === actual;
  return expected === actual;
}

function compileNumeric(spec: Json): (n: number) => boolean {
  if (!Array.isArray(spec) || spec.length % 2 !== 0 || spec.length === 0)
    throw new FilterPatternError('numeric needs [op, value, ...]');
  const checks: ((n: number) => boolean)[] = [];
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    const v = spec[i + 1];
    if (typeof v !== 'number') throw new FilterPatternError('numeric values must be numbers');
    switch (op) {
      case '=':
        checks.push((n) => n === v);
        break;
      case '<':
        checks.push((n) => n < v);
        break;
      case '<=':
        checks.push((n) => n <= v);
        break;
      case '>':
        checks.push((n) => n > v);
        break;
      case '>=':
        checks.push((n) => n >= v);
        break;
      default:
        throw new FilterPatternError(`unknown numeric operator ${String(op)}`);
    }
  }
  return (n) => checks.every((c) => c(n));
}

function compileLeaf(spec: Json): Leaf {
  if (!isObject(spec)) return (value, present) => present && equalsPrimitive(spec, value);
  const keys = Object.keys(spec);
  if (keys.length !== 1)
    throw new FilterPatternError(`a matcher object needs exactly one operator, got ${JSON.stringify(spec)}`);
  const [op] = keys as [string];
  const arg = spec[op] as Json;
  switch (op) {
    case 'prefix':
      if (typeof arg === 'string') return (v, p) => p && typeof v === 'string' && v.startsWith(arg);
      if (isObject(arg) && typeof arg['equals-ignore-case'] === 'string') {
        const lower = arg['equals-ignore-case'].toLowerCase();
        return (v, p) => p && typeof v === 'string' && v.toLowerCase().startsWith(lower);
      }
      throw new FilterPatternError('prefix needs a string');
    case 'suffix':
      if (typeof arg !== 'string') throw new FilterPatternError('suffix needs a string');
      return (v, p) => p && typeof v === 'string' && v.endsWith(arg);
    case 'equals-ignore-case':
      if (typeof arg !== 'string') throw new FilterPatternError('equals-ignore-case needs a string');
      return (v, p) => p && typeof v === 'string' && v.toLowerCase() === arg.toLowerCase();
    case 'exists':
      if (typeof arg !== 'boolean') throw new FilterPatternError('exists needs true or false');
      return (_v, p) => p === arg;
    case 'numeric': {
      const check = compileNumeric(arg);
      return (v, p) => p && typeof v === 'number' && check(v);
    }
    case 'anything-but': {
      if (isObject(arg)) {
        const inner = compileLeaf(arg);
        return (v, p) => p && !inner(v, p);
      }
      const excluded = Array.isArray(arg) ? arg : [arg];
      for (const e of excluded)
        if (isObject(e) || Array.isArray(e))
          throw new FilterPatternError('anything-but takes values or one prefix/suffix');
      return (v, p) => p && !excluded.some((e) => equalsPrimitive(e, v));
    }
    default:
      throw new FilterPatternError(`unsupported filter operator "${op}"`);
  }
}

type Matcher = (event: Json | undefined) => boolean;

function compileObject(pattern: Record<string, Json>): Matcher {
  const parts: Matcher[] = [];
  for (const [key, spec] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(spec) || spec.length < 2)
        throw new FilterPatternError('$or needs an array of at least two patterns');
      const alternatives = spec.map((s) => {
        if (!isObject(s)) throw new FilterPatternError('$or entries must be objects');
        return compileObject(s);
      });
      parts.push((event) => alternatives.some((m) => m(event)));
      continue;
    }
    if (Array.isArray(spec)) {
      if (spec.length === 0) throw new FilterPatternError(`empty matcher list for "${key}"`);
      const leaves = spec.map(compileLeaf);
      parts.push((event) => {
        const present = isObject(event) && key in event;
        const value = present ? event[key] : undefined;
        // An array in the event matches when any element matches.
        const values = Array.isArray(value) ? value : [value];
        return values.some((v) => leaves.some((leaf) => leaf(v, present)));
      });
    } else if (isObject(spec)) {
      const inner = compileObject(spec);
      parts.push((event) => isObject(event) && isObject(event[key]) && inner(event[key]));
    } else {
      throw new FilterPatternError(`"${key}" must be a list of matchers or a nested pattern`);
    }
  }
  return (event) => parts.every((p) => p(event));
}

export function compilePattern(pattern: string | Record<string, Json>): Matcher {
  let parsed: unknown = pattern;
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern);
    } catch {
      throw new FilterPatternError(`filter pattern is not JSON: ${pattern}`);
    }
  }
  if (!isObject(parsed)) throw new FilterPatternError('a filter pattern must be a JSON object');
  return compileObject(parsed);
}

/** A record passes when it matches any filter; no filters means everything passes (Lambda semantics). */
export function compileFilterCriteria(criteria?: {
  Filters?: { Pattern?: string }[];
}): (record: unknown) => boolean {
  const filters = (criteria?.Filters ?? []).map((f) => compilePattern(f.Pattern ?? '{}'));
  if (filters.length === 0) return () => true;
  return (record) => filters.some((m) => m(record as Json));
}
