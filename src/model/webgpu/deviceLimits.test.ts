import { webGpuBackend } from '../../training/compiled/backend';
import { REQUESTED_LIMITS } from './device';
import { kernelFeatures } from './features';
import { startWebGpu } from './testing';

const unavailable = await startWebGpu();
if (unavailable) console.warn(`WebGPU device limit test skipped: ${unavailable}`);

describe.skipIf(unavailable !== null)('tfjs’ WebGPU device in Node (Dawn)', () => {
  it('has the adapter’s own limits for every limit the lab requests', async () => {
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    const device = webGpuBackend().device;
    for (const name of REQUESTED_LIMITS) expect(device.limits[name], name).toBe(adapter?.limits[name]);
  });

  // SwiftShader has subgroups: still not asked for.
  it('asks for no optional shader feature unless switched on', () => {
    const device = webGpuBackend().device;
    expect(device.features.has('subgroups')).toBe(false);
    expect(device.features.has('shader-f16')).toBe(false);
    expect(kernelFeatures()).toEqual({ subgroups: false, shaderF16: false });
  });
});
