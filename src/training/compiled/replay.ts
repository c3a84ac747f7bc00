/**
 * What every compiled dispatch list shares (the training step, the sampler): captured uniform
 * structs packed into one buffer, pipelines of the lab's own WGSL, bind groups made once, and the
 * encoding of a list into a compute pass (no allocation, no lookups: the per-step host work).
 */
import type { CapturedDispatch } from './capture';

/** A dispatch ready to encode: its pipeline, its one bind group and its workgroup counts. */
export interface ReplayDispatch {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
  /** The lab kernel or tfjs shader key, for counts. */
  name: string;
}

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/**
 * Writes every captured uniform struct into one new uniform buffer, each at the device's offset
 * alignment; returns the buffer and each dispatch's binding of it.
 */
export function packUniforms(
  device: GPUDevice,
  dispatches: readonly CapturedDispatch[],
): { buffer: GPUBuffer; bindings: GPUBufferBinding[] } {
  const offsets: number[] = [];
  let total = 0;
  for (const d of dispatches) {
    offsets.push(total);
    total += alignUp(d.uniforms.byteLength, device.limits.minUniformBufferOffsetAlignment);
  }
  const buffer = device.createBuffer({
    size: Math.max(total, 4),
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  const packed = new Uint8Array(total);
  dispatches.forEach((d, i) => packed.set(d.uniforms, offsets[i]));
  device.queue.writeBuffer(buffer, 0, packed);
  const bindings = dispatches.map((d, i) => ({ buffer, offset: offsets[i], size: d.uniforms.byteLength }));
  return { buffer, bindings };
}

/** A compute pipeline of the lab's own WGSL (entry point `main`, layout from the shader). */
export function labPipeline(device: GPUDevice, code: string): GPUComputePipeline {
  return device.createComputePipeline({
    layout: 'auto',
    compute: { module: device.createShaderModule({ code }), entryPoint: 'main' },
  });
}

/** A dispatch with its bind group: `entries[i]` is binding i of group 0. */
export function bindDispatch(
  device: GPUDevice,
  pipeline: GPUComputePipeline,
  entries: readonly GPUBufferBinding[],
  workgroups: [number, number, number],
  name: string,
): ReplayDispatch {
  return {
    pipeline,
    workgroups,
    name,
    bindGroup: device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: entries.map((resource, binding) => ({ binding, resource })),
    }),
  };
}

/** The captured dispatches with their bindings: output, inputs, then the uniform struct. */
export function bindCaptured(
  device: GPUDevice,
  dispatches: readonly CapturedDispatch[],
  uniforms: readonly GPUBufferBinding[],
  bindingOf: (id: object) => GPUBufferBinding,
): ReplayDispatch[] {
  return dispatches.map((d, i) =>
    bindDispatch(
      device,
      d.pipeline,
      [bindingOf(d.output), ...d.inputs.map(bindingOf), uniforms[i]],
      d.workgroups,
      d.name,
    ),
  );
}

/** Encodes a list into an open compute pass. */
export function encodeDispatches(pass: GPUComputePassEncoder, list: readonly ReplayDispatch[]): void {
  for (const d of list) {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
  }
}

/** Dispatch counts by kernel name, for the bench. */
export function countKernels(lists: readonly (readonly ReplayDispatch[])[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const list of lists) for (const d of list) counts.set(d.name, (counts.get(d.name) ?? 0) + 1);
  return counts;
}
