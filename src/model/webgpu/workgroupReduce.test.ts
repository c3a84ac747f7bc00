import * as tf from '@tensorflow/tfjs';
import { finalizeWgsl, normPartialWgsl, STATS_HEADER, WG } from '../../training/compiled/kernels';
import { webGpuBackend } from '../../training/compiled/backend';
import { kernelFeatures, setKernelFeatures } from './features';
import { reductionProgram, registerWebGpuKernel, runLabKernel } from './program';
import { random, startWebGpu } from './testing';
import { SUBGROUPS_ENABLE, workgroupReduceWgsl, type ReduceOp } from './workgroupReduce';

// SwiftShader has `subgroups`: the lab's device is asked for it, so both forms run here.
const unavailable = await startWebGpu({ subgroups: true, shaderF16: false });
if (unavailable) console.warn(`workgroup reduction GPU tests skipped: ${unavailable}`);

/** Runs a one-entry-point module over storage buffers (binding i = buffers[i]); reads binding 0 back. */
async function runModule(
  code: string,
  buffers: Float32Array<ArrayBuffer>[],
  workgroups: number,
): Promise<Float32Array<ArrayBuffer>> {
  const device = webGpuBackend().device;
  device.pushErrorScope('validation');
  const pipeline = device.createComputePipeline({
    layout: 'auto',
    compute: { module: device.createShaderModule({ code }), entryPoint: 'main' },
  });
  const gpu = buffers.map((data) => {
    const b = device.createBuffer({
      size: Math.max(16, data.byteLength),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(b, 0, data);
    return b;
  });
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: gpu.map((b, i) => ({ binding: i, resource: { buffer: b, size: buffers[i].byteLength } })),
  });
  const staging = device.createBuffer({
    size: gpu[0].size,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(workgroups);
  pass.end();
  encoder.copyBufferToBuffer(gpu[0], 0, staging, 0, gpu[0].size);
  device.queue.submit([encoder.finish()]);
  const error = await device.popErrorScope();
  if (error) throw new Error(error.message);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0, buffers[0].byteLength));
  staging.unmap();
  for (const b of [...gpu, staging]) b.destroy();
  return out;
}

/** A module: workgroup w reduces row w of x ([rows, cols]), each invocation a strided share. */
function rowReduceModule(op: ReduceOp, wg: number, subgroups: boolean): string {
  return `${subgroups ? SUBGROUPS_ENABLE : ''}
@group(0) @binding(0) var<storage, read_write> out : array<f32>;
@group(0) @binding(1) var<storage, read> x : array<f32>;
@group(0) @binding(2) var<storage, read> shape : array<f32>;
${workgroupReduceWgsl({ name: 'reduce', op, workgroupSize: wg, subgroups })}
@compute @workgroup_size(${wg})
fn main(@builtin(local_invocation_index) lid : u32, @builtin(workgroup_id) wid : vec3<u32>) {
  let cols = u32(shape[0]);
  var v = ${op === 'add' ? '0.0' : '-3.402823e+38'};
  for (var i = lid; i < cols; i = i + ${wg}u) {
    let e = x[wid.x * cols + i];
    v = ${op === 'add' ? 'v + e' : 'max(v, e)'};
  }
  // Twice in a row: the second call must see the first's result everywhere, not a half-written one.
  let first = reduce(v, lid);
  let second = reduce(first + f32(lid % 3u), lid);
  if (lid == 0u) { out[2u * wid.x] = first; out[2u * wid.x + 1u] = second; }
}`;
}

/** The same on tfjs' CPU backend: each row's reduction, then that of (it + lid % 3) over the threads. */
function rowReduceOnCpu(op: ReduceOp, wg: number, x: Float32Array, rows: number, cols: number): Float32Array {
  return tf.tidy(() => {
    const m = tf.tensor2d(x, [rows, cols]);
    const first = op === 'add' ? tf.sum(m, 1) : tf.max(m, 1);
    const extra = tf.tensor1d(Array.from({ length: wg }, (_, i) => i % 3));
    const spread = tf.add(tf.reshape(first, [rows, 1]), extra);
    const second = op === 'add' ? tf.sum(spread, 1) : tf.max(spread, 1);
    return tf.reshape(tf.stack([first, second], 1), [-1]).dataSync() as Float32Array;
  });
}

function maxRelTo(got: Float32Array, want: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++)
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), 1e-6));
  return worst;
}

describe('the workgroup reduction generator', () => {
  it('writes the tree without subgroups and subgroup operations with them', () => {
    const tree = workgroupReduceWgsl({ name: 'r', op: 'add', workgroupSize: 64, subgroups: false });
    expect(tree).not.toMatch(/subgroup/);
    expect(tree).toContain('for (var s = 32u;');
    const sub = workgroupReduceWgsl({ name: 'r', op: 'max', workgroupSize: 64, subgroups: true });
    expect(sub).toContain('subgroupMax(v)');
    expect((sub.match(/workgroupBarrier/g) ?? []).length).toBe(2);
    expect(() => workgroupReduceWgsl({ name: 'r', op: 'add', workgroupSize: 48, subgroups: true })).toThrow(
      /power-of-two size ≥ 4, not 48/,
    );
  });
});

describe.skipIf(unavailable !== null)(
  'workgroup reductions with and without subgroups (Dawn, SwiftShader)',
  () => {
    it('the lab’s device was granted subgroups, and the kernels follow it', () => {
      expect(webGpuBackend().device.features.has('subgroups')).toBe(true);
      expect(kernelFeatures()).toEqual({ subgroups: true, shaderF16: false });
    });

    // Odd row lengths: shorter than a workgroup, one past it, many times it and not a multiple.
    for (const op of ['add', 'max'] as const)
      for (const wg of [64, 256])
        it(`${op} over ${wg} invocations: equal with subgroups on and off, and to tfjs’ CPU`, async () => {
          const cols = [1, 3, wg + 1, 7 * wg - 5];
          for (const c of cols) {
            const rows = 5;
            const x = random([rows, c], c + wg).data;
            const shape = new Float32Array([c]);
            const out = () => new Float32Array(2 * rows);
            const off = await runModule(rowReduceModule(op, wg, false), [out(), x, shape], rows);
            const on = await runModule(rowReduceModule(op, wg, true), [out(), x, shape], rows);
            const cpu = await withCpu(() => rowReduceOnCpu(op, wg, x, rows, c));
            // A maximum is exact; sums are added in another order (cancelling sums: 1e-5 of the result).
            if (op === 'max') expect(on, `${c} columns`).toEqual(off);
            expect(maxRelTo(on, off), `${c} columns`).toBeLessThan(1e-5);
            expect(maxRelTo(off, cpu), `${c} columns`).toBeLessThan(1e-5);
            expect(maxRelTo(on, cpu), `${c} columns`).toBeLessThan(1e-5);
          }
        });

    it('the compiled step’s gradient norm (both stages): equal with subgroups on and off, and to tfjs’ CPU', async () => {
      for (const n of [1, 255, 257, 100_003]) {
        const grad = random([n], n).data;
        const partialCount = Math.min(256, Math.ceil(n / WG));
        const norms: number[] = [];
        for (const subgroups of [false, true]) {
          const partials = await runModule(
            normPartialWgsl(subgroups),
            [new Float32Array(partialCount), grad],
            partialCount,
          );
          const batch = 3;
          const stats = await runModule(
            finalizeWgsl(subgroups),
            [
              new Float32Array(STATS_HEADER + 2 * batch),
              partials,
              new Float32Array([0.5]),
              new Float32Array([1, 2, 3]),
              new Float32Array([7, 8, 9]),
            ],
            1,
          );
          expect([...stats], `n = ${n}`).toEqual([0.5, stats[1], 1, 0, 1, 2, 3, 7, 8, 9]);
          norms.push(stats[1]);
        }
        const cpu = await withCpu(() => tf.tidy(() => tf.norm(tf.tensor1d(grad)).dataSync()[0]));
        expect(Math.abs(norms[1] - norms[0]) / norms[0], `n = ${n}`).toBeLessThan(1e-6);
        expect(Math.abs(norms[1] - cpu) / cpu, `n = ${n}`).toBeLessThan(1e-5);
      }
    });

    it('a tfjs program’s workgroupSum (reductionProgram): equal with subgroups on and off, and to tfjs’ CPU', async () => {
      // One workgroup per row of x [rows, cols]: the row's sum.
      registerWebGpuKernel<{ subgroups: boolean; wg: number }>(
        'TestRowSum',
        ([x], { subgroups, wg }) => {
          const [rows, cols] = x.shape;
          return {
            program: reductionProgram(
              `test_row_sum`,
              ['x'],
              [rows],
              rows,
              wg,
              'cols : i32,',
              `fn main(index : i32) {
              let row = index / ${wg};
              var s = 0.0;
              for (var k = i32(localId.x); k < uniforms.cols; k = k + ${wg}) { s = s + x[row * uniforms.cols + k]; }
              let total = workgroupSum(s);
              let again = workgroupSum(total);
              if (localId.x == 0u) { result[row] = again / ${wg}.0; }
            }`,
              subgroups,
            ),
            uniforms: [{ type: 'int32', data: [cols] }],
          };
        },
        ['x'],
      );
      for (const wg of [64, 256])
        for (const cols of [1, 5, wg + 3, 4099]) {
          const rows = 3;
          const data = random([rows, cols], cols).data;
          const run = (subgroups: boolean) =>
            tf.tidy(() =>
              runLabKernel('TestRowSum', { x: tf.tensor2d(data, [rows, cols]) }, { subgroups, wg }),
            );
          const [off, on] = [run(false), run(true)];
          const got = [(await off.data()) as Float32Array, (await on.data()) as Float32Array];
          tf.dispose([off, on]);
          const cpu = await withCpu(() =>
            tf.tidy(() => tf.sum(tf.tensor2d(data, [rows, cols]), 1).dataSync()),
          );
          expect(maxRelTo(got[1], got[0]), `${wg} × ${cols}`).toBeLessThan(1e-6);
          expect(maxRelTo(got[0], cpu as Float32Array), `${wg} × ${cols}`).toBeLessThan(1e-5);
          expect(maxRelTo(got[1], cpu as Float32Array), `${wg} × ${cols}`).toBeLessThan(1e-5);
        }
    });

    it('generators follow the switches by default', () => {
      expect(normPartialWgsl()).toContain(SUBGROUPS_ENABLE);
      setKernelFeatures({ subgroups: false, shaderF16: false });
      expect(normPartialWgsl()).not.toContain('subgroup');
      setKernelFeatures({ subgroups: true, shaderF16: false });
    });
  },
);

/** Runs f on tfjs' CPU backend, then returns to WebGPU. */
async function withCpu<T>(f: () => T): Promise<T> {
  await tf.setBackend('cpu');
  try {
    return f();
  } finally {
    await tf.setBackend('webgpu');
  }
}
