/**
 * Faster versions of two tfjs CPU-backend kernels that training leans on. tfjs 4.22 implements
 * Conv2DBackpropFilter and non-contiguous Slice by reading every element through
 * `TensorBuffer.get(...indices)`, which allocates per call: one training step of a 0.18M-parameter
 * U-Net at 8×8 spent ~95% of ~20 s in them. These compute the same values with flat indexing:
 * Slice copies exactly; the filter gradient, Σ_{b,y,x} x[b, y·s+i−pad, x·s+j−pad, c_in] ·
 * dy[b, y, x, c_out], differs from tfjs' only by the order of its float64 sums.
 * The CLI and the Node tests train on the CPU backend; the browser's CPU fallback gains too.
 */
import * as tf from '@tensorflow/tfjs';

/** Attributes tfjs passes to Conv2DBackpropFilter (see tfjs-core's Conv2DBackpropFilterAttrs). */
interface Attrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

interface CpuBackend {
  data: { get(id: tf.DataId): { values: Float32Array | Int32Array | Uint8Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

interface SliceAttrs {
  begin: number | number[];
  size: number | number[];
}

const REPLACED = ['Conv2DBackpropFilter', 'Slice'] as const;

let originals: Map<string, tf.KernelConfig> | null = null;

/**
 * Replaces the CPU backend's Conv2DBackpropFilter (NHWC; NCHW still goes to tfjs' kernel) and
 * Slice (numeric dtypes) with the fast versions. Idempotent. Call after importing tfjs, which
 * registers the CPU backend.
 */
export function installFastCpuKernels(): void {
  if (originals !== null) return;
  const saved = new Map<string, tf.KernelConfig>();
  for (const name of REPLACED) {
    const kernel = tf.getKernel(name, 'cpu');
    if (!kernel) throw new Error(`the tfjs CPU backend has no ${name} kernel to replace`);
    saved.set(name, kernel);
  }
  originals = saved;
  const fallbackConv = saved.get('Conv2DBackpropFilter')!.kernelFunc;
  const fallbackSlice = saved.get('Slice')!.kernelFunc;
  for (const name of REPLACED) tf.unregisterKernel(name, 'cpu');
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'cpu',
    kernelFunc: (args) => {
      const attrs = args.attrs as unknown as Attrs;
      if (attrs.dataFormat !== 'NHWC') return fallbackConv(args);
      const { x, dy } = args.inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
      return conv2dBackpropFilterNhwc(x, dy, attrs, args.backend as unknown as CpuBackend);
    },
  });
  tf.registerKernel({
    kernelName: 'Slice',
    backendName: 'cpu',
    kernelFunc: (args) => {
      const { x } = args.inputs as unknown as { x: tf.TensorInfo };
      if (x.dtype === 'string' || x.dtype === 'complex64') return fallbackSlice(args);
      return slice(x, args.attrs as unknown as SliceAttrs, args.backend as unknown as CpuBackend);
    },
  });
}

/** Puts tfjs' own kernels back (tests compare the two). */
export function uninstallFastCpuKernels(): void {
  if (originals === null) return;
  for (const [name, kernel] of originals) {
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel(kernel);
  }
  originals = null;
}

/** Copies the slice row by row along the last axis (tfjs' own rules for -1 sizes and scalars). */
function slice(x: tf.TensorInfo, attrs: SliceAttrs, backend: CpuBackend): tf.TensorInfo {
  const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size);
  tf.slice_util.assertParamsValid(x as tf.Tensor, begin, size);
  const values = backend.data.get(x.dataId).values as Float32Array | Int32Array | Uint8Array;
  const shape = x.shape;
  const rank = shape.length;
  const count = size.reduce((a, b) => a * b, 1);
  const out = new (values.constructor as Float32ArrayConstructor)(count);
  if (count > 0 && rank === 0) out[0] = values[0];
  if (count > 0 && rank > 0) {
    const strides = new Array<number>(rank);
    strides[rank - 1] = 1;
    for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1] * shape[d + 1];
    const run = size[rank - 1];
    const index = new Array<number>(rank - 1).fill(0);
    for (let at = 0; at < count; at += run) {
      let from = begin[rank - 1];
      for (let d = 0; d < rank - 1; d++) from += (begin[d] + index[d]) * strides[d];
      out.set(values.subarray(from, from + run), at);
      for (let d = rank - 2; d >= 0; d--) {
        if (++index[d] < size[d]) break;
        index[d] = 0;
      }
    }
  }
  return backend.makeTensorInfo(size, x.dtype as 'float32', out);
}

function conv2dBackpropFilterNhwc(x: tf.TensorInfo, dy: tf.TensorInfo, attrs: Attrs, backend: CpuBackend): tf.TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const xv = backend.data.get(x.dataId).values as Float32Array;
  const dyv = backend.data.get(dy.dataId).values as Float32Array;
  const acc = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let b = 0; b < batchSize; b++)
    for (let oy = 0; oy < outHeight; oy++)
      for (let ox = 0; ox < outWidth; ox++) {
        const dyOff = ((b * outHeight + oy) * outWidth + ox) * outChannels;
        for (let i = 0; i < filterHeight; i++) {
          const iy = oy * strideHeight + i - top;
          if (iy < 0 || iy >= inHeight) continue;
          for (let j = 0; j < filterWidth; j++) {
            const ix = ox * strideWidth + j - left;
            if (ix < 0 || ix >= inWidth) continue;
            const xOff = ((b * inHeight + iy) * inWidth + ix) * inChannels;
            const wOff = (i * filterWidth + j) * inChannels * outChannels;
            for (let ci = 0; ci < inChannels; ci++) {
              const xc = xv[xOff + ci];
              const row = wOff + ci * outChannels;
              for (let co = 0; co < outChannels; co++) acc[row + co] += xc * dyv[dyOff + co];
            }
          }
        }
      }
  return backend.makeTensorInfo(info.filterShape, 'float32', Float32Array.from(acc));
}
