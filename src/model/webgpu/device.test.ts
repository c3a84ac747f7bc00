import * as tf from '@tensorflow/tfjs';
import { deviceDescriptor, registerWebGpuBackend, REQUESTED_LIMITS } from './device';

// What a fake adapter offers for the limits the lab requests: far above WebGPU's defaults
// (128 MiB binding, 256 MiB buffer).
const offered = {
  maxStorageBufferBindingSize: 2 ** 31 - 4,
  maxBufferSize: 2 ** 34,
  maxComputeWorkgroupStorageSize: 32_768,
  maxComputeWorkgroupsPerDimension: 65_535,
  maxComputeWorkgroupSizeX: 1024,
  maxComputeInvocationsPerWorkgroup: 1024,
};
// …and one limit the lab leaves at its default.
const limits = { ...offered, maxTextureDimension2D: 16_384 } as unknown as GPUSupportedLimits;

function fakeAdapter(features: string[]) {
  return {
    features: new Set(features) as unknown as GPUSupportedFeatures,
    limits,
    info: { vendor: 'acme', architecture: 'rdna9' } as GPUAdapterInfo,
    requestDevice: vi.fn(async (descriptor?: GPUDeviceDescriptor): Promise<GPUDevice> => {
      throw new Error(`fake adapter: no device for ${JSON.stringify(descriptor?.requiredLimits)}`);
    }),
  };
}

describe('the lab’s WebGPU device request', () => {
  it('asks for the adapter’s largest binding and buffer (and tfjs’ workgroup limits), and the optional features it has', () => {
    const descriptor = deviceDescriptor(fakeAdapter(['timestamp-query', 'shader-f16']));
    expect(descriptor.requiredLimits).toEqual(offered);
    expect(Object.keys(descriptor.requiredLimits ?? {})).toEqual([...REQUESTED_LIMITS]);
    expect(descriptor.requiredFeatures).toEqual(['timestamp-query']);
  });

  it('asks for a switched-on feature only where the adapter has it; off, none of them', () => {
    const all = fakeAdapter(['timestamp-query', 'shader-f16', 'subgroups']);
    const none = { subgroups: false, shaderF16: false };
    expect(deviceDescriptor(all, none).requiredFeatures).toEqual(['timestamp-query']);
    expect(deviceDescriptor(all, { subgroups: true, shaderF16: false }).requiredFeatures).toEqual([
      'timestamp-query',
      'subgroups',
    ]);
    expect(deviceDescriptor(all, { subgroups: true, shaderF16: true }).requiredFeatures).toEqual([
      'timestamp-query',
      'subgroups',
      'shader-f16',
    ]);
    const noF16 = fakeAdapter(['subgroups']);
    expect(deviceDescriptor(noF16, { subgroups: true, shaderF16: true }).requiredFeatures).toEqual([
      'subgroups',
    ]);
    expect(deviceDescriptor(fakeAdapter([]), { subgroups: true, shaderF16: true }).requiredFeatures).toEqual(
      [],
    );
  });

  it('is what tfjs’ webgpu backend requests once registered, in place of tfjs’ own', async () => {
    const adapter = fakeAdapter([]);
    const gpu = { requestAdapter: vi.fn(async () => adapter as unknown as GPUAdapter) };
    expect(registerWebGpuBackend(undefined)).toBe(false);
    expect(registerWebGpuBackend(gpu)).toBe(true);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    // The fake adapter makes no device, so the backend does not start, after asking.
    expect(await tf.setBackend('webgpu')).toBe(false);
    warn.mockRestore();
    expect(gpu.requestAdapter).toHaveBeenCalledWith({ powerPreference: 'high-performance' });
    expect(adapter.requestDevice).toHaveBeenCalledTimes(1);
    expect(adapter.requestDevice.mock.calls[0][0]).toEqual(deviceDescriptor(adapter));
  });
});

describe('a switched-on feature the adapter lacks', () => {
  it('is said, naming the feature and the adapter, and the device is asked for the rest', async () => {
    tf.removeBackend('webgpu');
    const adapter = fakeAdapter(['subgroups']);
    const gpu = { requestAdapter: vi.fn(async () => adapter as unknown as GPUAdapter) };
    const said: string[] = [];
    const switches = { subgroups: true, shaderF16: true };
    expect(registerWebGpuBackend(gpu, switches, (m) => said.push(m))).toBe(true);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(await tf.setBackend('webgpu')).toBe(false);
    warn.mockRestore();
    expect(said).toEqual([
      'WebGPU feature "shader-f16" was switched on, but the adapter acme/rdna9 does not have it: the lab runs without it.',
    ]);
    expect(adapter.requestDevice.mock.calls[0][0]?.requiredFeatures).toEqual(['subgroups']);
  });
});
