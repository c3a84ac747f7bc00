import { BenchOptionsError, DEFAULT_OPTIONS, parseOptions } from './options';

describe('parseOptions', () => {
  it('gives the defaults for no arguments, as a copy', () => {
    const o = parseOptions([]);
    expect(o).toEqual(DEFAULT_OPTIONS);
    o.presets.push('tiny');
    expect(DEFAULT_OPTIONS.presets).toEqual(['tiny', 'mnist', 'cifar-small', 'paper-cifar10']);
  });

  it('reads lists, numbers and switches, as --name value or --name=value', () => {
    const o = parseOptions([
      '--presets',
      'mnist,tiny,mnist',
      '--backends=node-webgpu,pytorch',
      '--steps',
      '12',
      '--batch=8',
      '--sample-batches',
      '16, 64',
      '--cap',
      '2.5',
      '--budget=60',
      '--machine',
      'h100-sxm',
      '--no-write',
      '--torch-device',
      'cuda',
      '--bundles',
      'bench/out/gpu',
    ]);
    expect(o.presets).toEqual(['mnist', 'tiny']);
    expect(o.backends).toEqual(['node-webgpu', 'pytorch']);
    expect(o.steps).toBe(12);
    expect(o.batch).toBe(8);
    expect(o.sampleBatches).toEqual([16, 64]);
    expect(o.capSeconds).toBe(2.5);
    expect(o.budgetSeconds).toBe(60);
    expect(o.machine).toBe('h100-sxm');
    expect(o.write).toBe(false);
    expect(o.torchDevice).toBe('cuda');
    expect(o.bundles).toBe('bench/out/gpu');
    expect(parseOptions(['--sample-batches', 'none']).sampleBatches).toEqual([]);
    expect(parseOptions(['--json', 'out.json']).json).toBe('out.json');
    expect(parseOptions(['--backends', 'node-null']).backends).toEqual(['node-null']);
    expect(parseOptions(['--help']).help).toBe(true);
  });

  it.each([
    [['--presets', 'tiny,huge'], /--presets: "huge" is not one of tiny, mnist, cifar-small, paper-cifar10/],
    [['--backends', 'node-wasm'], /"node-wasm" is not one of pytorch, node-cpu/],
    [['--steps', '0'], /--steps "0": allowed an integer ≥ 1/],
    [['--steps', '2.5'], /--steps "2.5": allowed an integer/],
    [['--sample-batches', '16,65'], /--sample-batches "65": allowed an integer from 1 to 64/],
    [['--cap', '-1'], /--cap "-1": allowed a positive number of seconds/],
    [['--torch-device', 'mps'], /--torch-device "mps": allowed auto, cpu, cuda/],
    [['--machine', 'a b'], /--machine "a b": allowed letters, digits/],
    [['--steps'], /--steps needs a value/],
    [['--no-write=1'], /--no-write takes no value/],
    [['--fast'], /unknown option --fast; options: --presets/],
    [['tiny'], /unexpected argument "tiny"/],
  ])('rejects %j, naming the option and what it allows', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(BenchOptionsError);
    expect(() => parseOptions(argv)).toThrow(message);
  });
});
