import { importWebGpu, parseBackend, parseGpuFeaturesFlag } from './backend';
import { UsageError } from './args';

describe('CLI backends', () => {
  it('accepts cpu (the default) and webgpu, and names the choices otherwise', () => {
    expect(parseBackend(undefined)).toBe('cpu');
    expect(parseBackend('webgpu')).toBe('webgpu');
    expect(() => parseBackend('webgl')).toThrow(UsageError);
  });

  it('takes --gpu-features on WebGPU only, known names only; none given: all off', () => {
    expect(parseGpuFeaturesFlag(undefined, 'cpu')).toEqual({ subgroups: false, shaderF16: false });
    expect(parseGpuFeaturesFlag('subgroups', 'webgpu')).toEqual({ subgroups: true, shaderF16: false });
    expect(parseGpuFeaturesFlag('shader-f16,subgroups', 'webgpu')).toEqual({
      subgroups: true,
      shaderF16: true,
    });
    expect(() => parseGpuFeaturesFlag('subgroups', 'cpu')).toThrow(
      '--gpu-features subgroups needs --backend webgpu',
    );
    expect(() => parseGpuFeaturesFlag('f16', 'webgpu')).toThrow(
      '--gpu-features: Unknown GPU feature "f16": use subgroups, shader-f16 (comma-separated) or none.',
    );
  });

  it('says how to install the optional webgpu package when it is missing', async () => {
    // What Node's import() raises for a package that is not in node_modules.
    const missing = () => import(['webgpu', 'not-installed'].join('-')) as Promise<typeof import('webgpu')>;
    await expect(missing()).rejects.toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
    await expect(importWebGpu(missing)).rejects.toThrow(
      /--backend webgpu needs the optional package "webgpu" \(Dawn for Node\), which is not installed: run `npm install webgpu`.*or use --backend cpu/,
    );
  });

  it('passes other failures of the package through unchanged', async () => {
    const broken = () => Promise.reject(new Error('libvulkan.so.1: cannot open shared object file'));
    await expect(importWebGpu(broken)).rejects.toThrow('libvulkan.so.1');
  });

  it('imports the installed package', async () => {
    expect(typeof (await importWebGpu()).create).toBe('function');
  });
});
