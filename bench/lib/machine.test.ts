import { existsSync } from 'node:fs';
import { vulkanEnvironment } from './environment';
import { describeMachine, fp32PeakTflops, slug } from './machine';

describe('fp32PeakTflops', () => {
  it('knows the datacenter GPUs by their nvidia-smi names, PCIe before SXM', () => {
    expect(fp32PeakTflops('NVIDIA H100 80GB HBM3')).toBe(66.9);
    expect(fp32PeakTflops('NVIDIA H100 PCIe')).toBe(51.2);
    expect(fp32PeakTflops('NVIDIA H200')).toBe(66.9);
    expect(fp32PeakTflops('NVIDIA A100-SXM4-80GB')).toBe(19.5);
    expect(fp32PeakTflops('NVIDIA L40S')).toBe(91.6);
    expect(fp32PeakTflops('NVIDIA L4')).toBe(30.3);
    expect(fp32PeakTflops('SwiftShader Device (Subzero)')).toBeNull();
  });
});

describe('describeMachine', () => {
  it('names the machine from its hardware unless given a name', () => {
    const m = describeMachine(null);
    expect(m.cores).toBeGreaterThan(0);
    expect(m.name).toBe(m.gpu ? slug(m.gpu.name) : `${m.cores}cpu`);
    expect(describeMachine('bench-box').name).toBe('bench-box');
    expect(slug('NVIDIA H100 80GB HBM3')).toBe('nvidia-h100-80gb-hbm3');
  });
});

describe('vulkanEnvironment', () => {
  it('leaves a GPU machine or an explicit VK_ICD_FILENAMES alone', () => {
    expect(vulkanEnvironment({ PATH: '/bin' }, true)).toEqual({
      env: { PATH: '/bin' },
      note: 'system Vulkan',
    });
    const own = { VK_ICD_FILENAMES: '/x/icd.json' };
    expect(vulkanEnvironment(own, false).env).toBe(own);
  });

  it.runIf(existsSync('/usr/lib/chromium/vk_swiftshader_icd.json'))(
    'falls back to Chromium SwiftShader without a GPU',
    () => {
      const { env, note } = vulkanEnvironment({ PATH: '/bin' }, false);
      expect(env.VK_ICD_FILENAMES).toBe('/usr/lib/chromium/vk_swiftshader_icd.json');
      expect(env.PATH).toBe('/bin');
      expect(note).toMatch(/^SwiftShader/);
    },
  );
});
