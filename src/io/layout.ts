/**
 * Tensor layout conversion between PyTorch files and tfjs.
 *
 * Files (safetensors written by diffusers) hold PyTorch layouts: conv kernels `[out, in, kh, kw]`
 * (OIHW), linear weights `[out, in]`, activations NCHW. tfjs computes in NHWC with conv kernels
 * `[kh, kw, in, out]` (HWIO) and dense kernels `[in, out]`. Every import and export goes through
 * these functions, so the two sides never disagree on an index.
 */

/** OIHW (PyTorch conv weight) → HWIO (tfjs conv2d filter). */
export function oihwToHwio(src: Float32Array, shape: readonly number[]): { data: Float32Array; shape: number[] } {
  const [o, i, h, w] = shape4(shape);
  const dst = new Float32Array(src.length);
  for (let oo = 0; oo < o; oo++)
    for (let ii = 0; ii < i; ii++)
      for (let hh = 0; hh < h; hh++)
        for (let ww = 0; ww < w; ww++) dst[((hh * w + ww) * i + ii) * o + oo] = src[((oo * i + ii) * h + hh) * w + ww];
  return { data: dst, shape: [h, w, i, o] };
}

/** HWIO (tfjs conv2d filter) → OIHW (PyTorch conv weight). */
export function hwioToOihw(src: Float32Array, shape: readonly number[]): { data: Float32Array; shape: number[] } {
  const [h, w, i, o] = shape4(shape);
  const dst = new Float32Array(src.length);
  for (let hh = 0; hh < h; hh++)
    for (let ww = 0; ww < w; ww++)
      for (let ii = 0; ii < i; ii++)
        for (let oo = 0; oo < o; oo++) dst[((oo * i + ii) * h + hh) * w + ww] = src[((hh * w + ww) * i + ii) * o + oo];
  return { data: dst, shape: [o, i, h, w] };
}

/** Swaps the two axes of a matrix: PyTorch linear `[out, in]` ↔ tfjs dense kernel `[in, out]`. */
export function transpose2d(src: Float32Array, shape: readonly number[]): { data: Float32Array; shape: number[] } {
  if (shape.length !== 2) throw new Error(`transpose2d expects a 2-D shape, got [${shape.join(', ')}]`);
  const [r, c] = shape;
  const dst = new Float32Array(src.length);
  for (let rr = 0; rr < r; rr++) for (let cc = 0; cc < c; cc++) dst[cc * r + rr] = src[rr * c + cc];
  return { data: dst, shape: [c, r] };
}

/** NCHW → NHWC activations (PyTorch batch → tfjs batch). */
export function nchwToNhwc(src: Float32Array, shape: readonly number[]): { data: Float32Array; shape: number[] } {
  const [n, c, h, w] = shape4(shape);
  const dst = new Float32Array(src.length);
  for (let nn = 0; nn < n; nn++)
    for (let cc = 0; cc < c; cc++)
      for (let p = 0; p < h * w; p++) dst[(nn * h * w + p) * c + cc] = src[(nn * c + cc) * h * w + p];
  return { data: dst, shape: [n, h, w, c] };
}

/** NHWC → NCHW activations (tfjs batch → PyTorch batch). */
export function nhwcToNchw(src: Float32Array, shape: readonly number[]): { data: Float32Array; shape: number[] } {
  const [n, h, w, c] = shape4(shape);
  const dst = new Float32Array(src.length);
  for (let nn = 0; nn < n; nn++)
    for (let cc = 0; cc < c; cc++)
      for (let p = 0; p < h * w; p++) dst[(nn * c + cc) * h * w + p] = src[(nn * h * w + p) * c + cc];
  return { data: dst, shape: [n, c, h, w] };
}

function shape4(shape: readonly number[]): [number, number, number, number] {
  if (shape.length !== 4) throw new Error(`expected a 4-D shape, got [${shape.join(', ')}]`);
  return [shape[0], shape[1], shape[2], shape[3]];
}
