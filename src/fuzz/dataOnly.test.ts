/**
 * "Imported files are only ever parsed as data": no source file of the app contains a sink that
 * turns bytes or strings into code or markup. The CSP enforces the same at run time (no eval, no
 * inline script); this catches a new sink in review, before it meets a browser.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = new URL('..', import.meta.url).pathname;

/** Code and markup sinks, with the reason each is banned. */
const SINKS: [RegExp, string][] = [
  [/\beval\s*\(/, 'eval runs a string as code'],
  [/\bnew\s+Function\s*\(/, 'new Function runs a string as code'],
  [/\b(setTimeout|setInterval)\s*\(\s*['"`]/, 'a string timer runs a string as code'],
  [
    /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|dangerouslySetInnerHTML/,
    'HTML from a string can carry script',
  ],
  [/\bimportScripts\s*\(/, 'importScripts loads code by URL'],
  [/\bimport\s*\(\s*[^'"`\s]/, 'a dynamic import of a computed specifier loads code chosen at run time'],
  [
    /\bnew\s+Worker\s*\((?!\s*new URL\(\s*'\.\/[\w.]+',\s*import\.meta\.url\s*\))/,
    'a worker from anything but a bundled file runs code chosen at run time',
  ],
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fuzz' ? [] : sources(path);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [path] : [];
  });
}

describe('app sources hold no code or markup sinks', () => {
  const files = sources(SRC);

  it('scans every module of the app', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.map((f) => relative(SRC, f))).toContain('worker/client.ts');
  });
  it.each(SINKS.map(([pattern, why]) => [why, pattern] as const))('none: %s', (_why, pattern) => {
    const hits = files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) => (pattern.test(line) ? [`${relative(SRC, f)}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(hits).toEqual([]);
  });
  it('the patterns catch what they are for', () => {
    const caught = (line: string) => SINKS.some(([p]) => p.test(line));
    for (const line of [
      'const f = eval(text);',
      'el.innerHTML = name;',
      "setTimeout('run()', 1)",
      'await import(userUrl)',
      'new Worker(URL.createObjectURL(blob))',
      '<div dangerouslySetInnerHTML={{ __html: s }} />',
    ])
      expect(caught(line)).toBe(true);
    for (const line of [
      "new Worker(new URL('./lab.worker.ts', import.meta.url), { type: 'module' })",
      "await import('webgpu')",
      'JSON.parse(text)',
    ])
      expect(caught(line)).toBe(false);
  });
});
