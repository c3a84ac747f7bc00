import {
  RUN_PRESET_NAMES,
  decodeRunConfigHash,
  defaultRunConfig,
  encodeRunConfigHash,
  presetRunConfig,
} from './index';

describe('run config in the URL hash', () => {
  it('the defaults encode to nothing and a preset to its name', () => {
    expect(encodeRunConfigHash(defaultRunConfig())).toBe('');
    for (const name of RUN_PRESET_NAMES)
      expect(encodeRunConfigHash(presetRunConfig(name))).toBe(`#preset=${name}`);
  });

  it('writes only the differences, readably, from the closest base', () => {
    const c = presetRunConfig('paper');
    c.training.batchSize = 64;
    c.model.block_out_channels = [64, 128, 128, 128];
    c.data.classFilter = 'horse';
    expect(encodeRunConfigHash(c)).toBe(
      '#preset=paper&data.classFilter=horse&model.block_out_channels=64,128,128,128&training.batchSize=64',
    );
    const d = defaultRunConfig();
    d.training.lr = 1e-3;
    expect(encodeRunConfigHash(d)).toBe('#training.lr=0.001');
    const p = presetRunConfig('paper');
    p.training.emaWarmup = true;
    expect(encodeRunConfigHash(p)).toBe('#preset=paper&training.emaWarmup=true');
    expect(decodeRunConfigHash('#preset=paper&training.emaWarmup=true').config).toEqual(p);
  });

  it('round-trips presets, edits, nulls, lists and strings that look like numbers', () => {
    const edits: ((c: ReturnType<typeof defaultRunConfig>) => void)[] = [
      () => {},
      (c) => (c.data.classFilter = '3'),
      (c) => (c.training.gradClipNorm = null),
      (c) => (c.model.attention_head_dim = 8),
      (c) => (c.model.preset = 'custom'),
      (c) => (c.model.lab_norm_after_conv_in = 'batch'),
      (c) => (c.diffusion.prediction_type = 'v_prediction'),
      (c) => (c.sampling.sampler = 'ddim'),
      (c) => (c.model.block_out_channels = [32]),
      (c) => (c.model.down_block_types = ['DownBlock2D']),
    ];
    for (const base of [null, ...RUN_PRESET_NAMES])
      for (const edit of edits) {
        const c = presetRunConfig(base);
        edit(c);
        if (c.model.block_out_channels.length === 1) {
          c.model.down_block_types = ['DownBlock2D'];
          c.model.up_block_types = ['UpBlock2D'];
        }
        if (c.model.down_block_types.length === 1 && c.model.block_out_channels.length > 1) continue;
        const hash = encodeRunConfigHash(c);
        const decoded = decodeRunConfigHash(hash);
        expect(decoded.errors).toEqual([]);
        expect(decoded.config).toEqual(c);
      }
  });

  it('also reads a hash without "#" and with percent-encoding', () => {
    expect(decodeRunConfigHash('training.batchSize=%36%34').config.training.batchSize).toBe(64);
    expect(decodeRunConfigHash('#data.classFilter=T-shirt%2Ftop').config.data.classFilter).toBe(
      'T-shirt/top',
    );
  });

  it('leaves out bad fields, applies the rest, and names each problem', () => {
    const { config, preset, errors } = decodeRunConfigHash(
      '#preset=tiny&training.batchSize=0&foo.bar=1&training.nope=2&training.lr=0.01&model.dropout=2',
    );
    expect(preset).toBe('tiny');
    expect(config.training.lr).toBe(0.01);
    expect(config.training.batchSize).toBe(presetRunConfig('tiny').training.batchSize);
    expect(config.model.dropout).toBe(0);
    expect(errors.map((e) => e.path).sort()).toEqual([
      'foo.bar',
      'model.dropout',
      'training.batchSize',
      'training.nope',
    ]);
    expect(errors.find((e) => e.path === 'training.batchSize')?.message).toContain(
      'an integer from 1 to 4096',
    );
  });

  it('reports an unknown preset and falls back to the defaults', () => {
    const { config, preset, errors } = decodeRunConfigHash('#preset=papr');
    expect(preset).toBeNull();
    expect(config).toEqual(defaultRunConfig());
    expect(errors[0]).toMatchObject({ path: 'preset' });
    expect(errors[0].message).toContain('paper, learner, learner-code, tiny, mnist, cifar-small');
  });

  it('never throws, whatever the hash holds', () => {
    const junk = [
      '#%',
      '#=',
      '#&&&',
      '#training',
      '#training.=1',
      '#.x=1',
      '#model.preset=',
      '#diffusion.num_train_timesteps=abc',
      '#%E0%A4%A=1',
      '#sampling.steps=1e400',
      `#${'a'.repeat(5000)}`,
    ];
    for (const hash of junk) {
      const { config } = decodeRunConfigHash(hash);
      expect(config.training.batchSize).toBeGreaterThan(0);
    }
  });

  it('falls back to the base for a combination that only fails together, and says why', () => {
    const { config, errors } = decodeRunConfigHash('#preset=mnist&diffusion.num_train_timesteps=40');
    expect(errors.map((e) => e.path)).toEqual(['sampling.steps']);
    expect(errors[0].message).toContain('from 1 to 40');
    expect(config).toEqual(presetRunConfig('mnist'));
  });
});
