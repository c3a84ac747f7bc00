/**
 * A test page (bundled by e2e/parity.spec.ts, never part of the app): measures the U-Net against
 * the PyTorch reference fixture on the WebGPU backend of the browser it runs in.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { labKernelRuns } from '../../src/model/webgpu/program';
import { measureParity, parseUNetFixture } from '../../scripts/reference/unet_fixtures';

export interface BrowserParity {
  backend: string;
  forward: number;
  gradSample: number;
  grads: Record<string, number>;
  /** Runs of each of the lab's fused WebGPU kernels during the measurement. */
  fusedKernels: Record<string, number>;
}

declare global {
  interface Window {
    runParity(fixtureUrl: string): Promise<BrowserParity>;
  }
}

window.runParity = async (fixtureUrl) => {
  if (!(await tf.setBackend('webgpu'))) throw new Error('the WebGPU backend did not start');
  await tf.ready();
  const bytes = new Uint8Array(await (await fetch(fixtureUrl)).arrayBuffer());
  const r = await measureParity(parseUNetFixture(fixtureUrl, bytes));
  return {
    backend: tf.getBackend(),
    forward: r.forward,
    gradSample: r.gradSample,
    grads: Object.fromEntries(r.grads),
    fusedKernels: Object.fromEntries(labKernelRuns()),
  };
};
