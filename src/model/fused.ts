/**
 * The switch between the lab's fused WebGPU kernels (src/model/webgpu: GroupNorm+SiLU, conv and
 * dense layers with their bias inside, the optimiser's update) and tfjs' own ops. The kernels
 * exist for the WebGPU backend only, so every other backend always takes tfjs' ops; on WebGPU
 * they are on unless a model or the process default turns them off (the benchmark's --unfused).
 */

let processDefault = true;

/** Sets whether WebGPU models and optimisers use the fused kernels when not told otherwise. */
export function setFusedKernelsDefault(enabled: boolean): void {
  processDefault = enabled;
}

/** Whether to run the fused kernels on `backend`, given an explicit choice or the default. */
export function useFusedKernels(backend: string, requested?: boolean): boolean {
  return backend === 'webgpu' && (requested ?? processDefault);
}
