/** The CLI as npm installs it: bin/ddpm-lab.mjs runs the esbuild bundle (built by Vitest's global setup, as by `prepare`). */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { builtinModules } from 'node:module';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

describe('the built command line', () => {
  it('imports only Node built-ins and runtime dependencies (no tsx, no dev tools)', () => {
    const bundle = read('build/cli/main.mjs');
    const specifiers = [
      ...bundle.matchAll(/\bfrom\s*["']([^"']+)["']/g),
      ...bundle.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
    ].map((m) => m[1]);
    const packages = new Set(
      specifiers
        .filter((s) => !s.startsWith('node:') && !builtinModules.includes(s))
        .map((s) => s.split('/').slice(0, s.startsWith('@') ? 2 : 1).join('/')),
    );
    const pkg = JSON.parse(read('package.json')) as Record<string, Record<string, string>>;
    const runtime = { ...pkg.dependencies, ...pkg.optionalDependencies };
    expect([...packages].sort()).toEqual(expect.arrayContaining(['@tensorflow/tfjs', 'webgpu']));
    for (const name of packages) expect(runtime, `${name} is imported by the CLI`).toHaveProperty([name]);
    expect(pkg.dependencies).not.toHaveProperty(['tsx']);
    expect(pkg.optionalDependencies).toHaveProperty(['webgpu']);
  });

  it('the launcher says how to build when the bundle is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ddpm-bin-'));
    mkdirSync(join(dir, 'bin'));
    copyFileSync(new URL('bin/ddpm-lab.mjs', root), join(dir, 'bin', 'ddpm-lab.mjs'));
    const run = promisify(execFile)('node', [join(dir, 'bin', 'ddpm-lab.mjs'), '--help']);
    await expect(run).rejects.toMatchObject({
      code: 1,
      stderr: 'ddpm-lab: the command line is not built yet; run `npm run build:cli` (npm install runs it)\n',
    });
  });
});
