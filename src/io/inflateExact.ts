/**
 * Inflates a raw DEFLATE or zlib stream whose output size is known in advance (a zip entry's
 * declared size, a PNG's scanline bytes) without ever holding more than that size: input goes to
 * fflate's streaming inflater in small slices, so a stream that expands past the promise (a zip
 * bomb with a lying header) is stopped after at most one slice's worth of extra output.
 */
import { Inflate, Unzlib } from 'fflate';

/**
 * Input slice fed per step: deflate expands at most ~1032×, so one step's output stays under
 * ~17 MB. Every streaming inflater of the lab feeds fflate in slices of this size, so a size check
 * made on the output runs before a whole read chunk has been inflated.
 */
export const INFLATE_SLICE = 16 * 1024;

/** Thrown when a stream inflates to more or fewer bytes than promised, or is not valid DEFLATE. */
export class InflateError extends Error {
  override name = 'InflateError';
}

/**
 * Inflates `compressed` (`'deflate'`: raw, as in zip; `'zlib'`: with header, as in PNG) into
 * exactly `size` bytes. `charge` sees every inflated slice's length as it is produced (a load's
 * shared budget) and may throw to stop the inflation.
 */
export function inflateExact(
  compressed: Uint8Array,
  size: number,
  format: 'deflate' | 'zlib',
  charge?: (bytes: number) => void,
): Uint8Array {
  const out = new Uint8Array(size);
  let written = 0;
  // What `charge` threw goes out as it is, not as corrupt data.
  let refused: unknown;
  const onData = (chunk: Uint8Array) => {
    if (written + chunk.length > size)
      throw new InflateError(`data inflates to more than the expected ${size} bytes`);
    try {
      charge?.(chunk.length);
    } catch (e) {
      refused = e;
      throw e;
    }
    out.set(chunk, written);
    written += chunk.length;
  };
  const stream = format === 'zlib' ? new Unzlib(onData) : new Inflate(onData);
  try {
    if (compressed.length === 0) throw new InflateError('compressed stream is empty');
    // The last slice is pushed as final, which makes fflate reject a stream that stops mid-block.
    for (let p = 0; p < compressed.length; p += INFLATE_SLICE) {
      const end = Math.min(p + INFLATE_SLICE, compressed.length);
      stream.push(compressed.subarray(p, end), end === compressed.length);
    }
  } catch (e) {
    if (e instanceof InflateError || e === refused) throw e;
    throw new InflateError(`corrupt compressed data (${(e as Error).message})`);
  }
  if (written !== size) throw new InflateError(`data inflates to ${written} bytes, expected ${size}`);
  return out;
}
