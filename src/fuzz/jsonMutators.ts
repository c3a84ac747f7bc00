/**
 * JSON-aware mutators: they edit the parsed value (replace a node with an edge value, drop or add
 * keys, change types, wrap, nest deeply) so that mutated configs stay JSON and reach the checks
 * behind the JSON parser, which byte mutations mostly never pass. Text-level variants add what a
 * value cannot hold: numbers that overflow to Infinity, lone surrogates, duplicate keys, deep
 * nesting, broken syntax.
 */
import type { Rng } from '../diffusion/rng';
import { INTERESTING_INTS } from './mutators';

/**
 * Keys that collide with `Object.prototype` (a parser that looks keys up with `in` or `obj[key]`
 * finds them on every object) plus empty, private-looking and near-miss keys.
 */
export const NASTY_KEYS: readonly string[] = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '',
  ' ',
  '_',
  '_private',
  '__metadata__',
  'x',
];

const LONG_STRING = 'a'.repeat(10_000);

/** Edge values of every JSON type (and numbers at the limits of doubles and integers). */
const EDGE_VALUES: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -0,
  -1,
  0.5,
  1e-320,
  1e308,
  -1e308,
  2 ** 53 + 2,
  -(2 ** 31),
  ...INTERESTING_INTS,
  '',
  '0',
  '1',
  'null',
  'true',
  'NaN',
  '\u0000',
  '\ud800',
  '../../etc/passwd',
  LONG_STRING,
  [],
  {},
  [0],
  [1, 2, 3],
  [null],
  [[]],
  { a: 1 },
];

/**
 * Values a config object can hold but JSON cannot, as a form (`Number('x')`) or a caller's
 * missing field produces them; used only for object targets.
 */
const NON_JSON_VALUES: readonly unknown[] = [NaN, Infinity, -Infinity, undefined];

type Container = Record<string, unknown> | unknown[];

function isContainer(v: unknown): v is Container {
  return (
    typeof v === 'object' && v !== null && (Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype)
  );
}

/** A deep copy of plain JSON-like data, keeping own keys such as "__proto__" as plain keys. */
export function cloneJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneJson);
  if (!isContainer(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) setKey(out, k, cloneJson(x));
  return out;
}

/** Sets an own data property, even for "__proto__" (plain assignment would change the prototype). */
export function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Every container in the tree with the key or index of each of its children. */
function slots(root: Container): [Container, string | number][] {
  const out: [Container, string | number][] = [];
  const stack: Container[] = [root];
  while (stack.length > 0 && out.length < 10_000) {
    const c = stack.pop()!;
    const keys: (string | number)[] = Array.isArray(c) ? c.map((_, i) => i) : Object.keys(c);
    for (const k of keys) {
      out.push([c, k]);
      const child = (c as Record<string, unknown>)[k];
      if (isContainer(child)) stack.push(child);
    }
  }
  return out;
}

/** Nests `inner` `depth` levels deep in arrays or objects. */
export function nest(inner: unknown, depth: number, inObjects: boolean): unknown {
  let v = inner;
  for (let i = 0; i < depth; i++) v = inObjects ? { a: v } : [v];
  return v;
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

/** A fresh copy of an edge value: later edits change values in place, and must not change the list. */
function edge(rng: Rng): unknown {
  return cloneJson(pick(rng, EDGE_VALUES));
}

/** A value derived from `v`: a nearby number, a type change, a wrap, or an edge value. */
function mutateValue(rng: Rng, v: unknown, allowNonJson: boolean): unknown {
  switch (rng.int(6)) {
    case 0:
      if (typeof v === 'number')
        return pick(rng, [v + 1, v - 1, v * 2, -v, v / 3, v * 1e6, Math.floor(v / 2), v + 0.5]);
      return edge(rng);
    case 1:
      return typeof v === 'number' || typeof v === 'boolean'
        ? String(v)
        : typeof v === 'string'
          ? Number(v) || v.length
          : v === null
            ? 0
            : null;
    case 2:
      return rng.int(2) === 0 ? [v] : { value: v };
    case 3:
      // Kept shallow enough for the harness's own recursion; mutateJsonText nests far deeper.
      return nest(v, 1 + rng.int(rng.int(2) === 0 ? 8 : 500), rng.int(2) === 0);
    case 4:
      return allowNonJson ? pick(rng, NON_JSON_VALUES) : edge(rng);
    default:
      return edge(rng);
  }
}

/**
 * One to four stacked tree edits of a copy of `value`: replace a node, drop a key or element, add
 * a key (often a nasty one), copy one key's value to another, grow or empty an array, or replace
 * the whole root. `allowNonJson` adds NaN, ±Infinity and undefined as values.
 */
export function mutateJsonValue(rng: Rng, value: unknown, allowNonJson = false): unknown {
  let root = cloneJson(value);
  for (let k = 1 + rng.int(4); k > 0; k--) {
    if (!isContainer(root) || rng.int(40) === 0) {
      root = rng.int(2) === 0 ? mutateValue(rng, root, allowNonJson) : edge(rng);
      continue;
    }
    const all = slots(root);
    if (all.length === 0) {
      if (!Array.isArray(root)) setKey(root, pick(rng, NASTY_KEYS), edge(rng));
      else root.push(edge(rng));
      continue;
    }
    const [parent, key] = pick(rng, all);
    const current = (parent as Record<string, unknown>)[key];
    const op = rng.int(6);
    if (op === 0) {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
    } else if (op === 1 && !Array.isArray(parent)) {
      const [, other] = pick(rng, all);
      setKey(
        parent,
        rng.int(2) === 0 ? pick(rng, NASTY_KEYS) : String(other),
        mutateValue(rng, current, allowNonJson),
      );
    } else if (op === 2 && Array.isArray(parent)) {
      const n = rng.int(3);
      if (n === 0) parent.length = 0;
      else if (n === 1) parent.push(...parent.slice(0, 1 + rng.int(parent.length)));
      // Many copies of a scalar, few of a container: stacked edits must not grow the tree exponentially.
      else parent.push(...new Array(1 + rng.int(isContainer(current) ? 3 : 2000)).fill(current));
    } else if (op === 3) {
      const [from, fromKey] = pick(rng, all);
      (parent as Record<string, unknown>)[key] = cloneJson((from as Record<string, unknown>)[fromKey]);
    } else {
      (parent as Record<string, unknown>)[key] = mutateValue(rng, current, allowNonJson);
    }
  }
  return root;
}

/** JSON text that `JSON.stringify` would never write: overflowing numbers, lone surrogates, duplicate keys, deep nesting, broken syntax. */
export function mutateJsonText(rng: Rng, text: string): string {
  const at = rng.int(text.length + 1);
  const insertions = [
    '1e400',
    '-1e400',
    '-0',
    '"\\ud800"',
    '"\\u0000"',
    '0.0000000000000000000000001',
    '123456789012345678901234567890',
    '{',
    '}',
    '[',
    ']',
    ',',
    ':',
    '"',
    '\\',
    'null',
    '/* c */',
    '\u2028',
    '\ufeff',
  ];
  switch (rng.int(5)) {
    case 0:
      return text.slice(0, at) + pick(rng, insertions) + text.slice(at);
    case 1: {
      // The same key twice: JSON.parse keeps the last, other parsers the first.
      const m = /"([^"\\]+)"\s*:/.exec(text.slice(at)) ?? /"([^"\\]+)"\s*:/.exec(text);
      if (!m) return text;
      const close = text.lastIndexOf('}');
      return close < 0
        ? text
        : `${text.slice(0, close)},"${m[1]}":${JSON.stringify(edge(rng))}${text.slice(close)}`;
    }
    case 2: {
      // Deep enough to overflow the stack of any recursive walk (JSON.stringify fails near 4,000).
      const depth = rng.int(2) === 0 ? 1 + rng.int(64) : 5000 + rng.int(15_000);
      const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const values = [...text.matchAll(/:\s*(-?\d[^,}\]]*|"[^"]*"|true|false|null)/g)];
      if (values.length === 0 || rng.int(4) === 0) return deep;
      const m = pick(rng, values);
      return `${text.slice(0, m.index)}:${deep}${text.slice(m.index + m[0].length)}`;
    }
    case 3:
      return text.slice(0, at);
    default: {
      const number = /-?\d+(\.\d+)?([eE][-+]?\d+)?/g;
      const edges = ['0', '-1', '1e400', '9007199254740993', '1e21', '0.1', '4294967296'];
      return text.replace(number, (n) =>
        rng.int(3) === 0 ? (rng.int(4) === 0 ? `${n}000` : pick(rng, edges)) : n,
      );
    }
  }
}
