/**
 * Streaming gunzip over fflate's `Gunzip`, with the checks fflate leaves out: the trailer's CRC-32
 * and length (a corrupt or cut-off file must fail loudly, not train on garbage) and a cap on the
 * decompressed size (a small file can inflate to gigabytes).
 */
import { Gunzip } from 'fflate';
import { Crc32 } from './crc32';
import { DatasetError, MAX_FILE_BYTES, formatBytes } from './errors';

/** Whether bytes start with the gzip magic number (1f 8b). */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Push compressed chunks in, get decompressed chunks out through `onData`; call `finish()` at the end. */
export class GunzipStream {
  private readonly inflater: Gunzip;
  private readonly crc = new Crc32();
  private readonly tail = new Uint8Array(8);
  private tailLength = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  private members = 1;
  private ended = false;

  constructor(
    private readonly name: string,
    private readonly onData: (chunk: Uint8Array) => void,
    private readonly maxBytes = MAX_FILE_BYTES,
  ) {
    this.inflater = new Gunzip((chunk, final) => {
      this.bytesOut += chunk.length;
      if (this.bytesOut > this.maxBytes)
        throw new DatasetError(
          this.name,
          `decompresses to more than the ${formatBytes(this.maxBytes)} limit for a dataset file`,
        );
      this.crc.update(chunk);
      if (final) this.ended = true;
      if (chunk.length > 0) this.onData(chunk);
    });
    this.inflater.onmember = () => {
      this.members++;
    };
  }

  push(chunk: Uint8Array): void {
    if (this.bytesIn === 0 && chunk.length >= 2 && !isGzip(chunk))
      throw new DatasetError(this.name, 'is not a gzip file (no 1f 8b magic number)');
    this.bytesIn += chunk.length;
    this.keepTail(chunk);
    this.inflate(chunk, false);
  }

  /** Ends the stream and checks that it was whole: complete deflate data, matching CRC-32 and length. */
  finish(): void {
    this.inflate(new Uint8Array(0), true);
    if (!this.ended || this.tailLength < 8)
      throw new DatasetError(this.name, 'gzip stream is truncated (it ends before its trailer)');
    // A multi-member file has one trailer per member; fflate hides the boundaries, so only the
    // common single-member case can be checked end to end.
    if (this.members > 1) return;
    const view = new DataView(this.tail.buffer);
    const crc = view.getUint32(0, true);
    const size = view.getUint32(4, true);
    if (size !== this.bytesOut % 2 ** 32)
      throw new DatasetError(
        this.name,
        `gzip stream is truncated or corrupt: trailer says ${size} bytes, got ${this.bytesOut}`,
      );
    if (crc !== this.crc.digest())
      throw new DatasetError(this.name, 'gzip data is corrupt (CRC-32 mismatch): download the file again');
  }

  private inflate(chunk: Uint8Array, final: boolean): void {
    try {
      this.inflater.push(chunk, final);
    } catch (err) {
      if (err instanceof DatasetError) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      throw new DatasetError(this.name, `gzip data is truncated or corrupt (${reason})`);
    }
  }

  /** Keeps the last 8 input bytes: the trailer, once the stream has ended. */
  private keepTail(chunk: Uint8Array): void {
    if (chunk.length >= 8) {
      this.tail.set(chunk.subarray(chunk.length - 8));
      this.tailLength = 8;
      return;
    }
    const keep = Math.min(this.tailLength, 8 - chunk.length);
    this.tail.copyWithin(0, this.tailLength - keep, this.tailLength);
    this.tail.set(chunk, keep);
    this.tailLength = keep + chunk.length;
  }
}
