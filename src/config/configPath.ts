/**
 * Reading and writing one field of a nested config by its dotted path ("training.batchSize"),
 * the same paths the run config's validation errors and URL hash use.
 */

/** The value at `path`, or undefined when a segment is missing. */
export function getPath(obj: unknown, path: string): unknown {
  let at: unknown = obj;
  for (const key of path.split('.')) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** A copy of `obj` with `path` set to `value`; only the objects along the path are copied. */
export function setPath<T>(obj: T, path: string, value: unknown): T {
  const [key, ...rest] = path.split('.');
  const base = (typeof obj === 'object' && obj !== null ? obj : {}) as Record<string, unknown>;
  const next = rest.length === 0 ? value : setPath(base[key], rest.join('.'), value);
  return { ...base, [key]: next } as T;
}

/** Dotted paths of every leaf where `a` and `b` differ (arrays compare as a whole). */
export function diffPaths(a: unknown, b: unknown, prefix = ''): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(a) || !isObj(b)) return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.flatMap((k) => diffPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
}
