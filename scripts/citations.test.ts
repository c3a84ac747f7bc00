/**
 * Design facts cited in code, tooltips and docs live in the repository (docs/): every
 * `docs/<name>.md §N` names a file and a numbered section that exist, and nothing cites the design
 * notes a clone does not have (DDPM.md, BROWSER.md outside docs/).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const SKIP = new Set(['node_modules', 'dist', 'build', '.git', 'test-results', 'playwright-report', 'fixtures']);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIP.has(e.name) || e.name.startsWith('.')) return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|tsx|mjs|py|md)$/.test(e.name) ? [path] : [];
  });
}

const self = fileURLToPath(import.meta.url);
const files = ['src', 'scripts', 'bench', 'e2e'].flatMap((d) => sources(join(root, d))).filter((f) => f !== self);
files.push(join(root, 'README.md'), join(root, 'ARCHITECTURE.md'));

describe('design citations', () => {
  it('point at docs/ files and sections that exist', () => {
    const broken: string[] = [];
    let cited = 0;
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(/docs\/([\w-]+\.md)(?: §(\d+))?/g)) {
        cited++;
        const doc = join(root, 'docs', m[1]);
        const ok = existsSync(doc) && (!m[2] || new RegExp(`^## ${m[2]}\\. `, 'm').test(readFileSync(doc, 'utf8')));
        if (!ok) broken.push(`${relative(root, file)}: ${m[0]}`);
      }
    }
    expect(broken).toEqual([]);
    expect(cited).toBeGreaterThan(20);
  });

  it('never name the design notes outside the repository', () => {
    const outside = files.filter((f) => /(?<!docs\/)\b(DDPM|BROWSER)\.md\b|shared\/design/.test(readFileSync(f, 'utf8')));
    expect(outside.map((f) => relative(root, f))).toEqual([]);
  });
});
