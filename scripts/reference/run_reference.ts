/**
 * `npm run reference -- --preset NAME --steps N [--seeds 0,1,2] [--out FILE] [--data CIFAR]`: regenerates one
 * reference curve, public/reference/NAME.json, with the PyTorch reference trainer. Writes the
 * preset's inputs (reference_inputs.ts) to a temporary folder, then runs reference_trainer.py
 * with Debian's /usr/bin/python3 (override with PYTHON). The trainer writes its file as it goes,
 * so a run stopped early leaves a shorter, valid curve. cifar-small and paper need the official
 * cifar-10-binary.tar.gz (`--data`) and, in practice, a CUDA GPU (used when torch sees one).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    preset: { type: 'string' },
    steps: { type: 'string' },
    seeds: { type: 'string', default: '0' },
    out: { type: 'string' },
    data: { type: 'string' },
  },
});
if (!values.preset || !values.steps || !/^[1-9]\d*$/.test(values.steps)) {
  console.error('usage: npm run reference -- --preset NAME --steps N [--seeds 0,1,2] [--out FILE]');
  process.exit(2);
}
const inputs = mkdtempSync(join(tmpdir(), `reference-${values.preset}-`));
const run = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    rmSync(inputs, { recursive: true, force: true });
    process.exit(r.status ?? 1);
  }
};
const command = `npm run reference -- --preset ${values.preset} --steps ${values.steps} --seeds ${values.seeds}`;
run(process.execPath, [
  '--import',
  'tsx',
  join(HERE, 'reference_inputs.ts'),
  '--preset',
  values.preset,
  '--out',
  inputs,
]);
run(process.env.PYTHON ?? '/usr/bin/python3', [
  join(HERE, 'reference_trainer.py'),
  '--inputs',
  inputs,
  '--steps',
  values.steps,
  '--seeds',
  values.seeds,
  '--command',
  command,
  ...(values.out ? ['--out', values.out] : []),
  ...(values.data ? ['--data', values.data] : []),
]);
rmSync(inputs, { recursive: true, force: true });
