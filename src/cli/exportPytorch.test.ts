import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeZip } from '../io/zip';
import { decodeTorchState } from '../pytorch/torchState';
import { inProcess } from './testCli';

const CHECKPOINT = readFileSync(
  new URL('../../scripts/reference/fixtures/pytorch_export_lab_checkpoint.safetensors', import.meta.url),
);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ddpm-lab-export-pytorch-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ddpm-lab export-pytorch', () => {
  it('turns a run folder into the project, with the built-in dataset prepared as the run saw it', async () => {
    const run = join(dir, 'run');
    mkdirSync(run);
    writeFileSync(join(run, 'checkpoint.safetensors'), CHECKPOINT);
    const out = join(dir, 'project');
    const result = await inProcess('export-pytorch', '--run', run, '--out', out);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ out, step: 3, dataset: 'shapes' });
    for (const file of [
      'train.py',
      'README.md',
      'requirements.txt',
      'config/unet_config.json',
      'data/train.npz',
    ])
      expect(existsSync(join(out, file)), file).toBe(true);
    const { meta } = decodeTorchState(readFileSync(join(out, 'lab_state.safetensors')), 'lab_state');
    expect(meta.step).toBe(3);
    // Shapes is generated at 10,000 images and resized to the run's 8×8.
    expect(JSON.parse(readFileSync(join(out, 'project.json'), 'utf8')).dataset).toMatchObject({
      count: 10_000,
    });
  });

  it('reads an Export run zip, and names what is wrong with bad input', async () => {
    const zip = join(dir, 'run.zip');
    writeFileSync(zip, writeZip(new Map([['checkpoint.safetensors', new Uint8Array(CHECKPOINT)]])));
    expect((await inProcess('export-pytorch', '--run', zip, '--out', join(dir, 'from-zip'))).code).toBe(0);

    const taken = await inProcess('export-pytorch', '--run', zip, '--out', join(dir, 'from-zip'));
    expect(taken).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/exists and is not an empty folder/),
    });
    const empty = join(dir, 'empty.zip');
    writeFileSync(empty, writeZip(new Map([['run.json', new Uint8Array([123, 125])]])));
    expect((await inProcess('export-pytorch', '--run', empty, '--out', join(dir, 'x'))).stderr).toMatch(
      /has no checkpoint.safetensors; is it an Export run zip/,
    );
    expect(
      (await inProcess('export-pytorch', '--run', join(dir, 'nope'), '--out', join(dir, 'y'))).stderr,
    ).toMatch(/does not exist/);
  });
});
