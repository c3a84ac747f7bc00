/**
 * WebGPU device loss: a GPU reset, a driver update or too much memory takes the device away and
 * every later op fails. The training controller asks {@link recoverFromDeviceLoss} whether a
 * failed step was that; if so the run continues from its last checkpoint on WebGL, else the CPU.
 */
import * as tf from '@tensorflow/tfjs';

/** The current WebGPU device's `lost` promise, as a reason; null on other backends. */
let lost: Promise<string> | null = null;

/**
 * How long a failed step waits for the device's `lost` promise. A destroyed device fails pending
 * reads at once ("Buffer was unmapped before mapping was resolved") and settles `lost` only after.
 */
const LOSS_GRACE_MS = 2000;

/** Watches the current WebGPU device (call after the backend is chosen; a no-op on other backends). */
export function watchDeviceLoss(): void {
  lost = null;
  if (tf.getBackend() !== 'webgpu') return;
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  if (device) lost = device.lost.then((info) => info.message || info.reason || 'device lost');
}

/** The loss reason if the device is lost or is lost within the grace period, else null. */
async function lossReason(): Promise<string | null> {
  if (!lost) return null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), LOSS_GRACE_MS)));
  try {
    return await Promise.race([lost, grace]);
  } finally {
    clearTimeout(timer);
  }
}

/** If the device was lost, switches to the first fallback backend that starts and returns its name. */
export async function recoverFromDeviceLoss(error: unknown): Promise<string | null> {
  const message = error instanceof Error ? error.message : String(error);
  if (!/device (is |was )?lost/i.test(message) && (await lossReason()) === null) return null;
  lost = null;
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
