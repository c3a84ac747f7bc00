import { missingFeatureMessages, parseGpuFeatures, switchesOf } from './features';

const adapter = (features: string[], info: Partial<GPUAdapterInfo> = {}) => ({
  features: new Set(features) as unknown as GPUSupportedFeatures,
  info,
});

describe('the GPU feature switches', () => {
  it('parse from a comma-separated list of feature names; empty or none: all off', () => {
    expect(parseGpuFeatures(null)).toEqual({ switches: { subgroups: false, shaderF16: false } });
    expect(parseGpuFeatures('none')).toEqual({ switches: { subgroups: false, shaderF16: false } });
    expect(parseGpuFeatures('subgroups')).toEqual({ switches: { subgroups: true, shaderF16: false } });
    expect(parseGpuFeatures(' shader-f16 , subgroups ')).toEqual({
      switches: { subgroups: true, shaderF16: true },
    });
  });

  it('refuse an unknown name, naming it and the known ones, and stay off', () => {
    expect(parseGpuFeatures('subgroups,f16,fast')).toEqual({
      switches: { subgroups: false, shaderF16: false },
      error: 'Unknown GPU feature "f16", "fast": use subgroups, shader-f16 (comma-separated) or none.',
    });
  });

  it('name each switched-on feature the adapter lacks, and the adapter', () => {
    const both = { subgroups: true, shaderF16: true };
    expect(missingFeatureMessages(both, adapter(['subgroups', 'shader-f16']))).toEqual([]);
    expect(missingFeatureMessages({ subgroups: false, shaderF16: false }, adapter([]))).toEqual([]);
    expect(
      missingFeatureMessages(both, adapter([], { vendor: 'google', architecture: 'swiftshader' })),
    ).toEqual([
      'WebGPU feature "subgroups" was switched on, but the adapter google/swiftshader does not have it: the lab runs without it.',
      'WebGPU feature "shader-f16" was switched on, but the adapter google/swiftshader does not have it: the lab runs without it.',
    ]);
    expect(missingFeatureMessages(both, adapter(['shader-f16'], { description: 'Some GPU' }))[0]).toContain(
      'the adapter Some GPU does not',
    );
  });

  it('a device honours what it was granted', () => {
    expect(switchesOf(adapter(['subgroups', 'timestamp-query']))).toEqual({
      subgroups: true,
      shaderF16: false,
    });
  });
});
