import * as tf from '@tensorflow/tfjs';
import { loadUNetFixture } from '../../../scripts/reference/unet_fixture_files';
import { UNET_FIXTURES, measureParity } from '../../../scripts/reference/unet_fixtures';
import { GEMM_KERNELS } from './gemmOps';
import { labKernelRuns } from './program';
import { startWebGpu } from './testing';

const unavailable = await startWebGpu();
if (unavailable) console.warn(`WebGPU kernel tests skipped: ${unavailable}`);

// The first fixture compiles every shader on SwiftShader: minutes on a busy 2-core machine.
describe.skipIf(unavailable !== null)(
  'parity with PyTorch through the WebGPU GEMM kernels',
  { timeout: 600_000 },
  () => {
    it.each(UNET_FIXTURES)('%s: forward and every gradient within 1e-4', async (name) => {
      await tf.setBackend('webgpu');
      const before = new Map(labKernelRuns());
      const r = await measureParity(loadUNetFixture(name));
      expect(r.forward).toBeLessThan(1e-4);
      expect(r.gradSample).toBeLessThan(1e-4);
      for (const [param, err] of r.grads) expect(err, param).toBeLessThan(1e-4);
      if (r.forwardEval !== undefined) expect(r.forwardEval).toBeLessThan(1e-4);
      // The products really ran as the lab's GEMM kernels.
      for (const kernel of [
        GEMM_KERNELS.convForward,
        GEMM_KERNELS.convInputGrad,
        GEMM_KERNELS.convFilterGrad,
        GEMM_KERNELS.matMul,
      ])
        expect(labKernelRuns().get(kernel) ?? 0, kernel).toBeGreaterThan(before.get(kernel) ?? 0);
    });
  },
);
