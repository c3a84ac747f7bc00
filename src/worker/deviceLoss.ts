/**
 * WebGPU device loss: a GPU reset, a driver update or too much memory takes the device away and
 * every later op fails. The training controller asks {@link recoverFromDeviceLoss} whether a
 * failed step was that; if so the run continues from its last checkpoint on WebGL, else the CPU.
 */
import * as tf from '@tensorflow/tfjs';

let lostReason: string | null = null;

/** Watches the current WebGPU device (call after the backend is chosen; a no-op on other backends). */
export function watchDeviceLoss(): void {
  if (tf.getBackend() !== 'webgpu') return;
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  void device?.lost.then((info) => {
    lostReason = info.message || info.reason || 'device lost';
  });
}

/** If the device was lost, switches to the first fallback backend that starts and returns its name. */
export async function recoverFromDeviceLoss(error: unknown): Promise<string | null> {
  const message = error instanceof Error ? error.message : String(error);
  if (lostReason === null && !/device (is |was )?lost/i.test(message)) return null;
  lostReason = null;
  for (const name of ['webgl', 'cpu']) {
    try {
      if ((await tf.setBackend(name)) && (await tf.ready(), tf.getBackend() === name)) return name;
    } catch {
      // Try the next one.
    }
  }
  throw new Error(`the GPU device was lost and no fallback backend could start: ${message}`);
}

/** Destroys the current WebGPU device as a GPU reset would (`?faults` tests); false on other backends. */
export function destroyDevice(): boolean {
  if (tf.getBackend() !== 'webgpu') return false;
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  device?.destroy();
  return device !== undefined;
}
