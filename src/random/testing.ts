/**
 * Runs a WGSL snippet on tfjs' WebGPU device and reads its u32 output back: the tests of the
 * WGSL draws compare what a GPU thread computes with the TypeScript.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Dispatches `n` threads of `fn main` where `body` (with `i : u32`, the thread index) writes
 * `out[i]`; `helpers` are prepended. Returns the n words.
 */
export async function runWgslWords(helpers: string, body: string, n: number): Promise<Uint32Array> {
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  const code = `${helpers}
@group(0) @binding(0) var<storage, read_write> out : array<u32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3<u32>) {
  let i = gid.x;
  if (i >= ${n}u) { return; }
  ${body}
}`;
  device.pushErrorScope('validation');
  const pipeline = device.createComputePipeline({
    layout: 'auto',
    compute: { module: device.createShaderModule({ code }), entryPoint: 'main' },
  });
  const size = 4 * n;
  const out = device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const read = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(
    0,
    device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: out } }],
    }),
  );
  pass.dispatchWorkgroups(Math.ceil(n / 64));
  pass.end();
  encoder.copyBufferToBuffer(out, 0, read, 0, size);
  device.queue.submit([encoder.finish()]);
  const error = await device.popErrorScope();
  if (error) throw new Error(`WGSL test program failed: ${error.message}`);
  await read.mapAsync(GPUMapMode.READ);
  const words = new Uint32Array(read.getMappedRange().slice(0));
  read.unmap();
  out.destroy();
  read.destroy();
  return words;
}
