/**
 * The layer rules (.dependency-cruiser.cjs, run by `npm run depcheck` inside `npm run lint`) report
 * what they are meant to: a small tree that breaks three of them, cruised by the real command.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('the dependency rules', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ddpm-layers-'));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const files: Record<string, string> = {
      'tsconfig.json': '{"compilerOptions": {"strict": true, "module": "ESNext", "moduleResolution": "Bundler"}}',
      'src/io/png.ts': 'export const encodePng = () => new Uint8Array(0);\n',
      // A component that encodes a file itself instead of asking its store.
      'src/ui/Export.ts': "import { encodePng } from '../io/png';\nexport const save = encodePng;\n",
      // A cycle made of type-only imports.
      'src/config/a.ts': "import type { B } from './b';\nexport interface A { b?: B }\n",
      'src/config/b.ts': "import type { A } from './a';\nexport interface B { a?: A }\n",
      // A store that pulls tfjs into the page through the model.
      'src/model/m.ts': "import * as tf from '@tensorflow/tfjs';\nexport const backend = () => tf.getBackend();\n",
      'src/store/s.ts': "import { backend } from '../model/m';\nexport const useBackendName = backend;\n",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the rule and the import chain of each violation, and fails', async () => {
    const depcruise = join(root, 'node_modules', '.bin', 'depcruise');
    const run = promisify(execFile)(
      depcruise,
      ['src', '--config', join(root, '.dependency-cruiser.cjs'), '--output-type', 'err'],
      { cwd: dir },
    );
    const failure = (await run.then(
      () => expect.unreachable('depcruise passed'),
      (e: unknown) => e,
    )) as { code: number; stdout: string };
    expect(failure.code).toBe(3);
    const report = failure.stdout.replace(/\S*node_modules\//g, 'node_modules/');
    expect(report).toContain('error ui-encodes-no-files: src/ui/Export.ts → src/io/png.ts');
    expect(report).toMatch(/error no-circular: src\/config\/a\.ts → \s+src\/config\/b\.ts →\s+src\/config\/a\.ts/);
    expect(report).toMatch(
      /error page-never-reaches-tfjs: src\/store\/s\.ts → node_modules\/@tensorflow\/tfjs\/\S+\s+src\/model\/m\.ts →/,
    );
    expect(report).toContain('x 3 dependency violations (3 errors, 0 warnings)');
  });
});
